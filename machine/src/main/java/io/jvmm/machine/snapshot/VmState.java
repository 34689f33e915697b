package io.jvmm.machine.snapshot;

import io.jvmm.core.kvm.KvmClockData;
import io.jvmm.core.kvm.KvmIrqchip;
import io.jvmm.core.kvm.KvmPitState2;
import io.jvmm.core.kvm.VmFd;

import static io.jvmm.machine.snapshot.VcpuState.bytes;
import static io.jvmm.machine.snapshot.VcpuState.fill;

/**
 * The VM-wide KVM state of a machine with an in-kernel irqchip: the two 8259 PICs, the IOAPIC, the
 * i8254 PIT and kvm-clock, each the bytes of its kernel struct.
 */
public record VmState(byte[] picMaster, byte[] picSlave, byte[] ioapic, byte[] pit2, byte[] clock) {

    /** The VM-wide state of {@code vm}, paused, with its guest clock {@code clock} (see VirtualMachine#clock). */
    public static VmState capture(VmFd vm, KvmClockData clock) {
        return new VmState(bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_PIC_MASTER).segment()),
                bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_PIC_SLAVE).segment()),
                bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_IOAPIC).segment()),
                bytes(vm.getPit2().segment()), bytes(clock.segment()));
    }

    /**
     * Writes the PIT and the irqchip into {@code vm} in Firecracker's order (PIT2, IRQCHIP; the clock comes
     * between them there). kvm-clock is not written here: see {@link #clockData()}.
     */
    public void restore(VmFd vm) {
        KvmPitState2 pit = new KvmPitState2();
        fill(pit.segment(), pit2);
        vm.setPit2(pit);
        for (byte[] chip : new byte[][] {picMaster, picSlave, ioapic}) {
            KvmIrqchip k = new KvmIrqchip(0);
            fill(k.segment(), chip);
            vm.setIrqchip(k);
        }
    }

    /**
     * The saved kvm-clock, for VirtualMachine#holdClock: set just before the vCPUs run, so the guest's clock
     * goes on from the saved value without the time the restore took (flags cleared: not advanced by the
     * wall time since). The guest TSC cannot be set on every host, so the guest sees its TSC jump forward,
     * as after a suspend.
     */
    public KvmClockData clockData() {
        KvmClockData c = new KvmClockData();
        fill(c.segment(), clock);
        return c.clearFlags();
    }
}
