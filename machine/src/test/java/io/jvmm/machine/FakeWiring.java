package io.jvmm.machine;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;
import io.jvmm.core.vm.VirtualMachine;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A {@link VmWiring} without KVM: guest RAM in an arena laid out as {@link GuestRamLayout} lays it out,
 * plain buses, and a record of every interrupt line and doorbell the assembly asked for (whose handlers a
 * test can run, as the I/O thread would).
 */
final class FakeWiring implements VmWiring, AutoCloseable {
    /** An interrupt line the assembly asked for, and how often a device raised it. */
    record Irq(String name, int gsi, AtomicInteger triggers) {
    }

    /** An ioeventfd the assembly asked for. */
    record Doorbell(String name, long address, int length, long value, Runnable handler) {
    }

    /** A host fd the assembly asked the I/O thread to watch. */
    record Readable(String name, int fd) {
    }

    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    final List<Irq> irqs = new ArrayList<>();
    final List<Doorbell> doorbells = new ArrayList<>();
    final List<Readable> readables = new ArrayList<>();

    FakeWiring(long ramBytes) {
        List<GuestRegion> regions = new ArrayList<>();
        for (VirtualMachine.RamRegion r : GuestRamLayout.regions(ramBytes)) {
            regions.add(new GuestRegion(r.start(), arena.allocate(r.size(), 4096)));
        }
        memory = GuestMemory.of(regions);
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public Bus pio() {
        return pio;
    }

    @Override
    public Bus mmio() {
        return mmio;
    }

    @Override
    public InterruptLine interrupt(String name, int gsi) {
        Irq irq = new Irq(name, gsi, new AtomicInteger());
        irqs.add(irq);
        return () -> irq.triggers().incrementAndGet();
    }

    @Override
    public void mmioDoorbell(String name, long address, int length, long value, Runnable handler) {
        doorbells.add(new Doorbell(name, address, length, value, handler));
    }

    @Override
    public void whenReadable(String name, int fd, BooleanSupplier wanted, Runnable handler) {
        readables.add(new Readable(name, fd));
    }

    /** The GSI of the line named {@code name}, or -1. */
    int gsiOf(String name) {
        return irqs.stream().filter(i -> i.name().equals(name)).mapToInt(Irq::gsi).findFirst().orElse(-1);
    }

    @Override
    public void close() {
        arena.close();
    }
}
