package io.jvmm.machine;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.vm.IoEventLoop;
import io.jvmm.core.vm.VirtualMachine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@link VmWiring} over a real VM: guest RAM is what {@link VirtualMachine#create} registered as KVM memory
 * slots; interrupts are irqfds (KVM_IRQFD), doorbells ioeventfds (KVM_IOEVENTFD) whose eventfds the
 * {@code vmm-io} thread ({@link IoEventLoop}) waits on. The one class of the assembly that calls the VM
 * ioctls for devices.
 *
 * <p>Owns the eventfds it creates. Close it after the I/O loop has stopped and the vCPUs have been joined:
 * until then a device may still signal one.
 */
final class KvmWiring implements VmWiring, AutoCloseable {
    private final VirtualMachine vm;
    private final IoEventLoop io;
    private final List<AutoCloseable> owned = new ArrayList<>();

    KvmWiring(VirtualMachine vm, IoEventLoop io) {
        this.vm = vm;
        this.io = io;
    }

    @Override
    public GuestMemory memory() {
        return vm.memory();
    }

    @Override
    public Bus pio() {
        return vm.pio();
    }

    @Override
    public Bus mmio() {
        return vm.mmio();
    }

    @Override
    public synchronized InterruptLine interrupt(String name, int gsi) {
        EventFdInterrupt irq = new EventFdInterrupt(Sys.eventfd(0), gsi);
        owned.add(irq);
        vm.vm().irqfd(irq.fd(), gsi);
        return irq;
    }

    @Override
    public synchronized void mmioDoorbell(String name, long address, int length, long value, Runnable handler) {
        OwnedFd notify = Sys.eventfd(Sys.EFD_NONBLOCK);
        owned.add(notify);
        vm.vm().ioeventfd(address, length, notify.fd(), false, value);
        io.addEventFd(name, notify.fd(), handler::run);
    }

    @Override
    public void whenReadable(String name, int fd, BooleanSupplier wanted, Runnable handler) {
        io.addReadable(name, fd, wanted, handler::run);
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable r : owned.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                // closing on the way out: nothing more to do with a failure here
            }
        }
        owned.clear();
    }
}
