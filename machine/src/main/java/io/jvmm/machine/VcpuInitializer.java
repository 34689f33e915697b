package io.jvmm.machine;

import io.jvmm.boot.CpuState;
import io.jvmm.boot.Segment;
import io.jvmm.boot.cpu.CpuidEntry;
import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.kvm.KvmFpu;
import io.jvmm.core.kvm.KvmLapicState;
import io.jvmm.core.kvm.KvmMsrs;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSegment;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.vm.VirtualMachine;

import java.util.List;
import java.util.function.IntFunction;

/**
 * Puts each vCPU in its starting state, on its own thread before its first KVM_RUN: CPUID for every
 * vCPU, then for the boot vCPU the loader's register state, FPU and MSR defaults; with an in-kernel
 * irqchip, LINT0 as ExtINT and LINT1 as NMI, as a BIOS leaves them (Firecracker's set_lint).
 * Application processors keep KVM's reset state and wait for the guest's INIT/SIPI.
 */
final class VcpuInitializer implements VirtualMachine.VcpuSetup {
    /** MSR_IA32_MISC_ENABLE bit 0: fast string operations, as firmware enables them. */
    private static final long MSR_IA32_MISC_ENABLE_FAST_STRING = 1;

    private final IntFunction<List<CpuidEntry>> cpuidForVcpu;
    private final BootCpu bootCpu;
    private final boolean irqchip;

    /** The boot vCPU's start: the loader's state, or real mode for raw binaries. */
    sealed interface BootCpu {
        record Protected(CpuState state) implements BootCpu {
        }

        record RealMode(long rip) implements BootCpu {
        }
    }

    VcpuInitializer(IntFunction<List<CpuidEntry>> cpuidForVcpu, BootCpu bootCpu, boolean irqchip) {
        this.cpuidForVcpu = cpuidForVcpu;
        this.bootCpu = bootCpu;
        this.irqchip = irqchip;
    }

    @Override
    public void configure(VcpuFd vcpu) {
        vcpu.setCpuid2(cpuidForVcpu.apply(vcpu.id()).stream()
                .map(e -> new KvmCpuid2.Entry(e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx()))
                .toList());
        if (irqchip) {
            KvmLapicState lapic = vcpu.getLapic();
            lapic.reg(KvmLapicState.APIC_LVT0, withDeliveryMode(lapic.reg(KvmLapicState.APIC_LVT0), KvmLapicState.APIC_MODE_EXTINT));
            lapic.reg(KvmLapicState.APIC_LVT1, withDeliveryMode(lapic.reg(KvmLapicState.APIC_LVT1), KvmLapicState.APIC_MODE_NMI));
            vcpu.setLapic(lapic);
        }
        if (vcpu.id() != 0) {
            return;
        }
        setBootMsrs(vcpu);
        vcpu.setFpu(new KvmFpu().fcw(KvmFpu.FCW_DEFAULT).mxcsr(KvmFpu.MXCSR_DEFAULT));
        switch (bootCpu) {
            case BootCpu.Protected(CpuState s) -> apply(vcpu, s);
            case BootCpu.RealMode(long rip) -> {
                KvmSregs sregs = vcpu.getSregs();
                sregs.seg(KvmSregs.Seg.cs).setRealMode(0, true);
                for (KvmSregs.Seg d : new KvmSregs.Seg[] {KvmSregs.Seg.ds, KvmSregs.Seg.es, KvmSregs.Seg.ss}) {
                    sregs.seg(d).setRealMode(0, false);
                }
                vcpu.setSregs(sregs);
                vcpu.setRegs(new KvmRegs().rip(rip).rflags(KvmRegs.RFLAGS_RESERVED));
            }
        }
    }

    private static int withDeliveryMode(int lvt, int mode) {
        return (lvt & ~0x700) | (mode << 8);
    }

    private static void setBootMsrs(VcpuFd vcpu) {
        int[] zeroed = {KvmMsrs.MSR_IA32_SYSENTER_CS, KvmMsrs.MSR_IA32_SYSENTER_ESP, KvmMsrs.MSR_IA32_SYSENTER_EIP,
                KvmMsrs.MSR_STAR, KvmMsrs.MSR_CSTAR, KvmMsrs.MSR_KERNEL_GS_BASE, KvmMsrs.MSR_SYSCALL_MASK,
                KvmMsrs.MSR_LSTAR, KvmMsrs.MSR_IA32_TSC};
        KvmMsrs msrs = new KvmMsrs(zeroed.length + 1);
        for (int i = 0; i < zeroed.length; i++) {
            msrs.set(i, zeroed[i], 0);
        }
        msrs.set(zeroed.length, KvmMsrs.MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE_FAST_STRING);
        vcpu.setMsrs(msrs);
    }

    /** Copies the loader's plain-data CPU state into KVM's structs. */
    static void apply(VcpuFd vcpu, CpuState s) {
        KvmRegs r = new KvmRegs();
        long[] gprs = {s.rax(), s.rbx(), s.rcx(), s.rdx(), s.rsi(), s.rdi(), s.rsp(), s.rbp(), s.r8(), s.r9(),
                s.r10(), s.r11(), s.r12(), s.r13(), s.r14(), s.r15(), s.rip(), s.rflags()};
        KvmRegs.Reg[] names = KvmRegs.Reg.values();
        for (int i = 0; i < names.length; i++) {
            r.set(names[i], gprs[i]);
        }
        KvmSregs sregs = vcpu.getSregs();
        copy(sregs.seg(KvmSregs.Seg.cs), s.cs());
        copy(sregs.seg(KvmSregs.Seg.ds), s.ds());
        copy(sregs.seg(KvmSregs.Seg.es), s.es());
        copy(sregs.seg(KvmSregs.Seg.fs), s.fs());
        copy(sregs.seg(KvmSregs.Seg.gs), s.gs());
        copy(sregs.seg(KvmSregs.Seg.ss), s.ss());
        copy(sregs.seg(KvmSregs.Seg.tr), s.tr());
        copy(sregs.seg(KvmSregs.Seg.ldt), s.ldt());
        sregs.dtable("gdt", s.gdt().base(), s.gdt().limit());
        sregs.dtable("idt", s.idt().base(), s.idt().limit());
        sregs.set(KvmSregs.Ctl.cr0, s.cr0());
        sregs.set(KvmSregs.Ctl.cr2, s.cr2());
        sregs.set(KvmSregs.Ctl.cr3, s.cr3());
        sregs.set(KvmSregs.Ctl.cr4, s.cr4());
        sregs.set(KvmSregs.Ctl.cr8, s.cr8());
        sregs.set(KvmSregs.Ctl.efer, s.efer());
        vcpu.setSregs(sregs);
        vcpu.setRegs(r);
    }

    private static void copy(KvmSegment to, Segment from) {
        to.set(from.base(), from.limit(), from.selector(), from.type(), from.present(), from.dpl(), from.db(),
                from.s(), from.l(), from.g(), from.avl(), from.unusable());
    }
}
