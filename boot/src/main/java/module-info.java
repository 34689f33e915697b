/**
 * The Linux boot protocol: turns a kernel image, initrd and command line into guest memory contents
 * and the boot vCPU's initial state ({@code io.jvmm.boot}), writes the ACPI tables ({@code io.jvmm.boot.acpi}),
 * and shapes each vCPU's CPUID ({@code io.jvmm.boot.cpu}). Knows no KVM: the assembly turns its output into ioctls.
 */
module io.jvmm.boot {
    requires io.jvmm.core;
    requires org.slf4j;

    exports io.jvmm.boot;
    exports io.jvmm.boot.cpu;
    exports io.jvmm.boot.acpi;
}
