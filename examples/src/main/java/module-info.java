/**
 * Examples for learners (see examples/README.md). {@code SmallestVmm} uses the KVM binding directly,
 * which vmm-core exports to this module by name; {@code BootLinux} uses only the machine module's API.
 */
module io.jvmm.examples {
    requires io.jvmm.core;
    requires io.jvmm.machine;
    requires io.jvmm.images;
}
