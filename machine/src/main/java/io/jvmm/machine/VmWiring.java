package io.jvmm.machine;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.memory.GuestMemory;

import java.util.function.BooleanSupplier;

/**
 * What the assembly asks of a VM to connect devices to the guest: the one seam between the devices and
 * KVM. {@link KvmWiring} implements it over a real VM — guest RAM in KVM memory slots, irqfds, ioeventfds
 * and the {@code vmm-io} thread; tests implement it over heap memory and record what was wired.
 *
 * <pre>
 *   device ── interrupt(gsi).trigger() ──► [irqfd] ──► in-kernel IOAPIC ──► guest
 *   guest  ── write value at address ──► [ioeventfd] ──► vmm-io: doorbell handler
 *   host fd readable (a TAP) ──────────────────────────► vmm-io: readable handler
 * </pre>
 */
interface VmWiring {
    /** Guest RAM. */
    GuestMemory memory();

    /** The port-I/O bus vCPU exits are dispatched to. */
    Bus pio();

    /** The MMIO bus vCPU exits are dispatched to. */
    Bus mmio();

    /**
     * A line that raises {@code gsi} in the in-kernel interrupt controller without a vCPU exit or an
     * ioctl per interrupt (an irqfd); {@code name} is for messages.
     */
    InterruptLine interrupt(String name, int gsi);

    /**
     * Runs {@code handler} on the I/O thread after each guest write of {@code value} ({@code length} bytes)
     * at MMIO {@code address}; the write completes in the kernel, without an exit to a vCPU thread (an
     * ioeventfd with datamatch). The handler must not block.
     */
    void mmioDoorbell(String name, long address, int length, long value, Runnable handler);

    /**
     * Runs {@code handler} on the I/O thread while host descriptor {@code fd} is readable and
     * {@code wanted} holds (a TAP while the guest has receive buffers). The handler must not block.
     */
    void whenReadable(String name, int fd, BooleanSupplier wanted, Runnable handler);
}
