/**
 * jvmm's core: guest memory, the I/O bus, interrupt lines and how a machine ends, which every device,
 * loader and front end uses, and the KVM binding, which only the machine assembly may use.
 *
 * <p>The boundary is enforced here: {@code io.jvmm.core.kvm}, {@code io.jvmm.core.vm} and
 * {@code io.jvmm.core.sys} (the one gate to native code) are exported only to the machine module, which
 * assembles machines. Devices, the boot loader and the front ends (CLI, benchmark) cannot see KVM or
 * native code; the front ends reach them through {@code io.jvmm.machine}'s API. The one other module that
 * may see the KVM binding is {@code io.jvmm.examples}, whose smallest VMM is built on it for learners.
 */
@SuppressWarnings("module") // io.jvmm.examples is built after this module: not found while compiling it
module io.jvmm.core {
    requires org.slf4j;

    exports io.jvmm.core.memory;
    exports io.jvmm.core.bus;
    exports io.jvmm.core.irq;
    exports io.jvmm.core.lifecycle;
    exports io.jvmm.core.kvm to io.jvmm.machine, io.jvmm.examples;
    exports io.jvmm.core.sys to io.jvmm.machine;
    exports io.jvmm.core.vm to io.jvmm.machine;
}
