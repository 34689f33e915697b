/** Builds guest images (kernel, initramfs, root disk, OCI bundle) from Debian packages into a cache. */
module io.jvmm.images {
    requires org.slf4j;
}
