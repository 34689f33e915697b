package io.jvmm.core.irq;

/**
 * An interrupt line from a device to the guest's interrupt controller. Devices call {@link #trigger()}
 * to raise an edge; the assembly decides how it is delivered (an irqfd into KVM's in-kernel IOAPIC on a
 * real VM, a counter in tests). Safe to call from any thread.
 */
@FunctionalInterface
public interface InterruptLine {
    void trigger();

    /** A line that goes nowhere, for devices whose interrupt is not wired. */
    InterruptLine NONE = () -> { };
}
