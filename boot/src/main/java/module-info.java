/** The Linux boot protocol: turns a kernel image, initrd and command line into a plan. Knows no KVM. */
module io.jvmm.boot {
    requires io.jvmm.core;
    requires org.slf4j;
}
