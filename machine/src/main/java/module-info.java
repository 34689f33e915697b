/**
 * The machine assembly as a library: a {@link io.jvmm.machine.MachineSpec} becomes guest memory,
 * devices, a boot plan and vCPUs ({@link io.jvmm.machine.Machine}). The one module that wires KVM
 * (irqfd, ioeventfd, memory slots) to the devices; front ends (CLI, API server, benchmark) use only
 * this module's API.
 */
module io.jvmm.machine {
    requires transitive io.jvmm.core;
    requires transitive io.jvmm.devices;
    requires transitive io.jvmm.boot;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;

    exports io.jvmm.machine;
    exports io.jvmm.machine.snapshot;
}
