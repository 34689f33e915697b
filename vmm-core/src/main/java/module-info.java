/**
 * jvmm's core: guest memory, the I/O bus and interrupt lines, which every device and loader uses, and
 * the KVM binding, which only the machine assembly may use.
 *
 * <p>The boundary is enforced here: {@code io.jvmm.core.kvm}, {@code io.jvmm.core.vm} and
 * {@code io.jvmm.core.sys} (the one gate to native code) are exported only to the CLI, which assembles
 * machines. Devices and the boot loader cannot see KVM or native code.
 */
module io.jvmm.core {
    requires org.slf4j;

    exports io.jvmm.core.memory;
    exports io.jvmm.core.bus;
    exports io.jvmm.core.irq;
    exports io.jvmm.core.kvm to io.jvmm.machine, io.jvmm.cli;
    exports io.jvmm.core.sys to io.jvmm.machine, io.jvmm.cli;
    exports io.jvmm.core.vm to io.jvmm.machine, io.jvmm.cli;
}
