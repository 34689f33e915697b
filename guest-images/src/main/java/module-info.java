/**
 * Builds guest images (kernel, initramfs, root disk, OCI bundle) from Debian packages into a
 * cache. The public API is {@link io.jvmm.images.ImageBuilder} and {@link io.jvmm.images.GuestImages};
 * the build steps in io.jvmm.images.build stay internal.
 */
module io.jvmm.images {
    requires org.slf4j;
    requires com.fasterxml.jackson.databind; // manifest.json

    exports io.jvmm.images;
}
