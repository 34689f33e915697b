package io.jvmm.core.kvm;

import io.jvmm.core.sys.Errno;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.SysCallException;
import io.jvmm.core.sys.VcpuKick;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A vCPU file descriptor and its kvm_run page: the vCPU ioctls, one method per ioctl. KVM requires
 * vCPU ioctls to come from one thread at a time; jvmm calls them from the vCPU's own thread only
 * (setup happens on that thread too, before the first run).
 */
public final class VcpuFd implements AutoCloseable {
    private final int id;
    private final OwnedFd fd;
    private final Mapping run;

    VcpuFd(int id, OwnedFd fd, Mapping run) {
        this.id = id;
        this.fd = fd;
        this.run = run;
    }

    public int id() {
        return id;
    }

    /** The kvm_run page (valid until {@link #close()}). */
    public MemorySegment runPage() {
        return run.segment();
    }

    /**
     * KVM_RUN: runs the guest until it needs jvmm. Returns the decoded exit; EINTR (a kick, or
     * immediate_exit) is {@link VcpuExit.Intr}; other failures throw.
     */
    public VcpuExit run() {
        int rc = Sys.ioctlOrErrno(fd.fd(), KvmIoctls.KVM_RUN, 0);
        if (rc == -Errno.EINTR || rc == -Errno.EAGAIN) {
            return new VcpuExit.Intr();
        }
        if (rc < 0) {
            throw new SysCallException("ioctl(KVM_RUN)", -rc);
        }
        return KvmRun.decode(run.segment());
    }

    /** Sets kvm_run.immediate_exit (safe from any thread). */
    public void setImmediateExit(boolean on) {
        KvmRun.setImmediateExit(run.segment(), on);
    }

    public KvmRegs getRegs() {
        KvmRegs regs = new KvmRegs();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_REGS, "KVM_GET_REGS", regs.segment());
        return regs;
    }

    public void setRegs(KvmRegs regs) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_REGS, "KVM_SET_REGS", regs.segment());
    }

    public KvmSregs getSregs() {
        KvmSregs sregs = new KvmSregs();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_SREGS, "KVM_GET_SREGS", sregs.segment());
        return sregs;
    }

    public void setSregs(KvmSregs sregs) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_SREGS, "KVM_SET_SREGS", sregs.segment());
    }

    public KvmFpu getFpu() {
        KvmFpu fpu = new KvmFpu();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_FPU, "KVM_GET_FPU", fpu.segment());
        return fpu;
    }

    public void setFpu(KvmFpu fpu) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_FPU, "KVM_SET_FPU", fpu.segment());
    }

    /** KVM_GET_MSRS: fills the data of each entry in {@code msrs}; returns how many were read. */
    public int getMsrs(KvmMsrs msrs) {
        return Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_MSRS, "KVM_GET_MSRS", msrs.segment());
    }

    /** KVM_SET_MSRS: returns how many entries were set; fewer than nmsrs is an error here. */
    public void setMsrs(KvmMsrs msrs) {
        int n = Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_MSRS, "KVM_SET_MSRS", msrs.segment());
        if (n != msrs.nmsrs()) {
            throw new KvmException("KVM_SET_MSRS set " + n + " of " + msrs.nmsrs() + " MSRs; MSR 0x"
                    + Integer.toHexString(msrs.index(n)) + " was refused");
        }
    }

    public KvmLapicState getLapic() {
        KvmLapicState lapic = new KvmLapicState();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_LAPIC, "KVM_GET_LAPIC", lapic.segment());
        return lapic;
    }

    public void setLapic(KvmLapicState lapic) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_LAPIC, "KVM_SET_LAPIC", lapic.segment());
    }

    /** KVM_SET_CPUID2: what CPUID returns to this vCPU. */
    public void setCpuid2(List<KvmCpuid2.Entry> entries) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_CPUID2, "KVM_SET_CPUID2", KvmCpuid2.of(entries).segment());
    }

    /** KVM_GET_CPUID2: what CPUID returns to this vCPU (as set by KVM_SET_CPUID2). */
    public List<KvmCpuid2.Entry> getCpuid2() {
        KvmCpuid2 cpuid = new KvmCpuid2(KvmCpuid2.MAX_ENTRIES);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_CPUID2, "KVM_GET_CPUID2", cpuid.segment());
        return cpuid.entries();
    }

    public KvmMpState getMpState() {
        KvmMpState s = new KvmMpState();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_MP_STATE, "KVM_GET_MP_STATE", s.segment());
        return s;
    }

    public void setMpState(KvmMpState s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_MP_STATE, "KVM_SET_MP_STATE", s.segment());
    }

    public KvmXsave getXsave() {
        KvmXsave s = new KvmXsave();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_XSAVE, "KVM_GET_XSAVE", s.segment());
        return s;
    }

    public void setXsave(KvmXsave s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_XSAVE, "KVM_SET_XSAVE", s.segment());
    }

    public KvmXcrs getXcrs() {
        KvmXcrs s = new KvmXcrs();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_XCRS, "KVM_GET_XCRS", s.segment());
        return s;
    }

    public void setXcrs(KvmXcrs s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_XCRS, "KVM_SET_XCRS", s.segment());
    }

    public KvmDebugregs getDebugregs() {
        KvmDebugregs s = new KvmDebugregs();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS", s.segment());
        return s;
    }

    public void setDebugregs(KvmDebugregs s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_DEBUGREGS, "KVM_SET_DEBUGREGS", s.segment());
    }

    public KvmVcpuEvents getVcpuEvents() {
        KvmVcpuEvents s = new KvmVcpuEvents();
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS", s.segment());
        return s;
    }

    public void setVcpuEvents(KvmVcpuEvents s) {
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_VCPU_EVENTS, "KVM_SET_VCPU_EVENTS", s.segment());
    }

    /**
     * KVM_SET_SIGNAL_MASK: the signal mask while in KVM_RUN. Used with {@link VcpuKick}: the calling
     * thread's mask with the kick unblocked.
     */
    public void setSignalMaskForKick() {
        try (Arena a = Arena.ofConfined()) {
            // struct kvm_signal_mask { __u32 len; __u8 sigset[len]; }
            MemorySegment mask = a.allocate(4 + VcpuKick.KERNEL_SIGSET_BYTES, 4);
            mask.set(ValueLayout.JAVA_INT, 0, VcpuKick.KERNEL_SIGSET_BYTES);
            VcpuKick.fillRunMask(mask.asSlice(4));
            Sys.ioctl(fd.fd(), KvmIoctls.KVM_SET_SIGNAL_MASK, "KVM_SET_SIGNAL_MASK", mask);
        }
    }

    /** KVM_TRANSLATE: guest-physical address of linear address {@code linear}, or -1 if unmapped. */
    public long translate(long linear) {
        KvmTranslation t = new KvmTranslation(linear);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_TRANSLATE, "KVM_TRANSLATE", t.segment());
        return t.valid() ? t.physicalAddress() : -1;
    }

    @Override
    public void close() {
        try {
            run.close();
        } finally {
            fd.close();
        }
    }
}
