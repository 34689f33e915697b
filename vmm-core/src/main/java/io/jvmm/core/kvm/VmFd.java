package io.jvmm.core.kvm;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;

/** A VM file descriptor: the VM ioctls. One method per ioctl, named after it. */
public final class VmFd implements AutoCloseable {
    private final OwnedFd fd;
    private final int vcpuMmapSize;

    VmFd(OwnedFd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** KVM_SET_USER_MEMORY_REGION: host memory at {@code userspaceAddr} appears at {@code guestPhysAddr}. */
    public void setUserMemoryRegion(int slot, long guestPhysAddr, long memorySize, long userspaceAddr) {
        var region = new KvmUserspaceMemoryRegion(slot, 0, guestPhysAddr, memorySize, userspaceAddr);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION", region.segment());
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space Intel VMX needs for real-mode emulation. */
    public void setTssAddr(long address) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", address);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map used in real mode on Intel. */
    public void setIdentityMapAddr(long address) {
        var arg = java.lang.foreign.Arena.ofAuto().allocate(8);
        arg.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, address);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, "KVM_SET_IDENTITY_MAP_ADDR", arg);
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and a local APIC per vCPU. */
    public void createIrqchip() {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", 0);
    }

    /** KVM_CREATE_PIT2: in-kernel i8254 timer. */
    public void createPit2(int flags) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_PIT2, "KVM_CREATE_PIT2", new KvmPitConfig(flags).segment());
    }

    /** KVM_IRQFD: signalling {@code eventFd} raises {@code gsi} in the in-kernel irqchip. */
    public void irqfd(int eventFd, int gsi) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_IRQFD, "KVM_IRQFD", new KvmIrqfd(eventFd, gsi, 0).segment());
    }

    /** KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN. */
    public void irqfdDeassign(int eventFd, int gsi) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_IRQFD, "KVM_IRQFD",
                new KvmIrqfd(eventFd, gsi, KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN).segment());
    }

    /**
     * KVM_IOEVENTFD: a guest write of {@code len} bytes at {@code address} (MMIO, or port I/O with
     * {@code pio}) signals {@code eventFd}; with {@code datamatch} non-null only when the value matches.
     */
    public void ioeventfd(long address, int len, int eventFd, boolean pio, Long datamatch) {
        int flags = (pio ? KvmIoeventfd.KVM_IOEVENTFD_FLAG_PIO : 0)
                | (datamatch != null ? KvmIoeventfd.KVM_IOEVENTFD_FLAG_DATAMATCH : 0);
        var ev = new KvmIoeventfd(address, len, eventFd, flags, datamatch != null ? datamatch : 0);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_IOEVENTFD, "KVM_IOEVENTFD", ev.segment());
    }

    /** KVM_IRQ_LINE: sets the level of {@code irq} (for devices without irqfd). */
    public void irqLine(int irq, boolean level) {
        var arg = java.lang.foreign.Arena.ofAuto().allocate(8);
        arg.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, irq);
        arg.set(java.lang.foreign.ValueLayout.JAVA_INT, 4, level ? 1 : 0);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_IRQ_LINE, "KVM_IRQ_LINE", arg);
    }

    /** KVM_GET_IRQCHIP: the state of chip {@code chipId} (KvmIrqchip.KVM_IRQCHIP_*). */
    public KvmIrqchip getIrqchip(int chipId) {
        KvmIrqchip chip = new KvmIrqchip(chipId);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_IRQCHIP, "KVM_GET_IRQCHIP", chip.segment());
        return chip;
    }

    /** KVM_SET_IRQCHIP: the chip named by the struct's chip_id. */
    public void setIrqchip(KvmIrqchip chip) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_IRQCHIP, "KVM_SET_IRQCHIP", chip.segment());
    }

    public KvmPitState2 getPit2() {
        KvmPitState2 s = new KvmPitState2();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_PIT2, "KVM_GET_PIT2", s.segment());
        return s;
    }

    public void setPit2(KvmPitState2 s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_PIT2, "KVM_SET_PIT2", s.segment());
    }

    /** KVM_GET_CLOCK: the VM's kvm-clock. */
    public KvmClockData getClock() {
        KvmClockData s = new KvmClockData();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_CLOCK, "KVM_GET_CLOCK", s.segment());
        return s;
    }

    public void setClock(KvmClockData s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_CLOCK, "KVM_SET_CLOCK", s.segment());
    }

    /** KVM_CHECK_EXTENSION on the VM (some capabilities are per VM). */
    public int checkExtension(int capability) {
        return Sys.ioctl(fd.fd(), KvmIoctls.KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", capability);
    }

    /** KVM_CREATE_VCPU with APIC ID {@code id}, and its kvm_run mapping. */
    public VcpuFd createVcpu(int id) {
        int vcpuFd = Sys.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_VCPU, "KVM_CREATE_VCPU", id);
        OwnedFd owned = Sys.adopt(vcpuFd, "vcpu-" + id);
        try {
            var run = Sys.mmap(vcpuMmapSize, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED, vcpuFd, 0,
                    "kvm_run of vcpu-" + id);
            return new VcpuFd(id, owned, run);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
