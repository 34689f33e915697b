package io.jvmm.machine.snapshot;

import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.kvm.KvmDebugregs;
import io.jvmm.core.kvm.KvmException;
import io.jvmm.core.kvm.KvmLapicState;
import io.jvmm.core.kvm.KvmMpState;
import io.jvmm.core.kvm.KvmMsrs;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.KvmVcpuEvents;
import io.jvmm.core.kvm.KvmXcrs;
import io.jvmm.core.kvm.KvmXsave;
import io.jvmm.core.kvm.VcpuFd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One vCPU's KVM state, each part the bytes of its kernel struct (see {@link StructJson} for the
 * readable form in the state file). Read and written on the vCPU's own thread while the machine is paused.
 *
 * @param lapic null when the VM has no in-kernel irqchip (no local APIC to save)
 * @param msrs  every MSR of KVM_GET_MSR_INDEX_LIST this vCPU could read
 */
public record VcpuState(int id, List<KvmCpuid2.Entry> cpuid, byte[] mpState, byte[] regs, byte[] sregs, byte[] xsave,
                        byte[] xcrs, byte[] debugregs, byte[] lapic, List<Msr> msrs, byte[] events) {
    /** One model-specific register. */
    public record Msr(int index, long data) {
    }

    public VcpuState {
        cpuid = List.copyOf(cpuid);
        msrs = List.copyOf(msrs);
    }

    /** Reads every part of {@code vcpu}'s state (on its thread, paused); {@code msrIndices} from KVM_GET_MSR_INDEX_LIST. */
    public static VcpuState capture(VcpuFd vcpu, int[] msrIndices, boolean irqchip) {
        return new VcpuState(vcpu.id(), vcpu.getCpuid2(), bytes(vcpu.getMpState().segment()),
                bytes(vcpu.getRegs().segment()), bytes(vcpu.getSregs().segment()), bytes(vcpu.getXsave().segment()),
                bytes(vcpu.getXcrs().segment()), bytes(vcpu.getDebugregs().segment()),
                irqchip ? bytes(vcpu.getLapic().segment()) : null, readMsrs(vcpu, msrIndices),
                bytes(vcpu.getVcpuEvents().segment()));
    }

    /**
     * Writes this state into {@code vcpu} (on its thread, before its first KVM_RUN), in Firecracker's
     * order: CPUID, MP_STATE, REGS, SREGS, XSAVE, XCRS, DEBUGREGS, LAPIC, MSRS, VCPU_EVENTS.
     */
    public void restore(VcpuFd vcpu) {
        vcpu.setCpuid2(cpuid);
        KvmMpState mp = new KvmMpState();
        fill(mp.segment(), mpState);
        vcpu.setMpState(mp);
        KvmRegs r = new KvmRegs();
        fill(r.segment(), regs);
        vcpu.setRegs(r);
        KvmSregs s = new KvmSregs();
        fill(s.segment(), sregs);
        vcpu.setSregs(s);
        KvmXsave x = new KvmXsave();
        fill(x.segment(), xsave);
        vcpu.setXsave(x);
        KvmXcrs xc = new KvmXcrs();
        fill(xc.segment(), xcrs);
        vcpu.setXcrs(xc);
        KvmDebugregs d = new KvmDebugregs();
        fill(d.segment(), debugregs);
        vcpu.setDebugregs(d);
        if (lapic != null) {
            KvmLapicState l = new KvmLapicState();
            fill(l.segment(), lapic);
            vcpu.setLapic(l);
        }
        if (!msrs.isEmpty()) {
            restoreMsrs(vcpu);
        }
        KvmVcpuEvents e = new KvmVcpuEvents();
        fill(e.segment(), events);
        vcpu.setVcpuEvents(e);
    }

    /**
     * KVM_SET_MSRS, all at once; if KVM refuses one, one by one: an MSR KVM lets the host read but not
     * write back for this guest's CPUID (a paravirtual MSR of a feature the guest was not offered, such
     * as MSR_KVM_ASYNC_PF_INT) is left out when its saved value is 0, its reset value; any other refusal fails.
     */
    private void restoreMsrs(VcpuFd vcpu) {
        KvmMsrs m = new KvmMsrs(msrs.size());
        for (int i = 0; i < msrs.size(); i++) {
            m.set(i, msrs.get(i).index(), msrs.get(i).data());
        }
        try {
            vcpu.setMsrs(m);
            return;
        } catch (KvmException e) {
            // one by one below
        }
        for (Msr msr : msrs) {
            try {
                vcpu.setMsrs(new KvmMsrs(1).set(0, msr.index(), msr.data()));
            } catch (KvmException e) {
                if (msr.data() != 0) {
                    throw new KvmException("vcpu " + id + ": KVM refused MSR 0x" + Integer.toHexString(msr.index())
                            + " = 0x" + Long.toHexString(msr.data()) + " (is this the host the snapshot was taken on?)");
                }
            }
        }
    }

    /** The register's value by name ({@link KvmRegs.Reg}), for people and tests. */
    public long reg(KvmRegs.Reg reg) {
        return MemorySegment.ofArray(regs).get(ValueLayout.JAVA_LONG_UNALIGNED, reg.ordinal() * 8L);
    }

    /** The register's value by its C name ("rip", "rsp", "r12" ...), for front ends that do not see the KVM binding. */
    public long reg(String name) {
        try {
            return reg(KvmRegs.Reg.valueOf(name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no register " + name + " in struct kvm_regs");
        }
    }

    /** "real mode", "protected mode, ring 0", "long mode, ring 3". */
    public String mode() {
        return StateFile.mode(sregs);
    }

    private static List<Msr> readMsrs(VcpuFd vcpu, int[] indices) {
        KvmMsrs all = new KvmMsrs(indices.length);
        for (int i = 0; i < indices.length; i++) {
            all.set(i, indices[i], 0);
        }
        int n = indices.length == 0 ? 0 : vcpu.getMsrs(all);
        List<Msr> out = new ArrayList<>();
        if (n == indices.length) {
            for (int i = 0; i < n; i++) {
                out.add(new Msr(all.index(i), all.data(i)));
            }
            return out;
        }
        // KVM_GET_MSRS stops at the first MSR it cannot read: take them one by one, leaving out those.
        for (int index : indices) {
            KvmMsrs one = new KvmMsrs(1).set(0, index, 0);
            if (vcpu.getMsrs(one) == 1) {
                out.add(new Msr(index, one.data(0)));
            }
        }
        return out;
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    static void fill(MemorySegment s, byte[] b) {
        if (b.length != s.byteSize()) {
            throw new IllegalArgumentException(b.length + " bytes for a " + s.byteSize() + "-byte struct");
        }
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
    }
}
