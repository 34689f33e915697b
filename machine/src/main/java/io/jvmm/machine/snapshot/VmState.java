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

    public static VmState capture(VmFd vm) {
        return new VmState(bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_PIC_MASTER).segment()),
                bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_PIC_SLAVE).segment()),
                bytes(vm.getIrqchip(KvmIrqchip.KVM_IRQCHIP_IOAPIC).segment()),
                bytes(vm.getPit2().segment()), bytes(vm.getClock().segment()));
    }

    /**
     * Writes this state into {@code vm} in Firecracker's order: PIT2, CLOCK, IRQCHIP. kvm-clock goes on
     * from the saved value (flags cleared: not advanced by the wall time since); the guest TSC cannot be
     * set on every host, so the guest sees its TSC jump forward, as after a suspend.
     */
    public void restore(VmFd vm) {
        KvmPitState2 pit = new KvmPitState2();
        fill(pit.segment(), pit2);
        vm.setPit2(pit);
        KvmClockData c = new KvmClockData();
        fill(c.segment(), clock);
        vm.setClock(c.clearFlags());
        for (byte[] chip : new byte[][] {picMaster, picSlave, ioapic}) {
            KvmIrqchip k = new KvmIrqchip(0);
            fill(k.segment(), chip);
            vm.setIrqchip(k);
        }
    }
}
