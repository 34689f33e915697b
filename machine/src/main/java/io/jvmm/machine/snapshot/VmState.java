package io.jvmm.machine.snapshot;

import io.jvmm.core.kvm.KvmClockData;
import io.jvmm.core.kvm.KvmIoapicState;
import io.jvmm.core.kvm.KvmIrqchip;
import io.jvmm.core.kvm.KvmPitState2;
import io.jvmm.core.kvm.VmFd;

import java.lang.foreign.MemorySegment;

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
     *
     * <p>Then every edge-triggered IOAPIC pin that the saved state shows raised is lowered (KVM_IRQ_LINE, level
     * 0). Devices raise their pins with irqfd pulses (virt/kvm/eventfd.c irqfd_inject(): raise, then lower, from
     * a kernel worker that runs after the eventfd write). KVM_GET_IRQCHIP reports an edge pin raised only while
     * its edge is undelivered (kvm_get_ioapic() hides delivered ones): a snapshot cut between the two halves of a
     * pulse while the guest had the pin masked. KVM_SET_IRQCHIP then leaves the pin raised
     * (kvm_ioapic_inject_all()), and the device's next pulse is no edge to KVM: ioapic_set_irq() drops it as
     * coalesced, and that interrupt is lost. Measured with the default Linux guest: a restored snapshot whose
     * IOAPIC had COM1's pin raised never answered a typed line once the restore's own COM1 edge (Machine) was
     * taken away, and {@code IoapicEdgeRestoreTest} fails without this. Lowering completes the cut pulse;
     * level-triggered pins are left as saved (their level is the device's to hold).
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
        int raised = raisedEdgePins();
        for (int pin = 0; pin < KvmIoapicState.KVM_IOAPIC_NUM_PINS; pin++) {
            if ((raised & (1 << pin)) != 0) {
                vm.irqLine(pin, false); // GSI = IOAPIC pin: KVM's default routing (also lowers the PIC's line)
            }
        }
    }

    /** The edge-triggered IOAPIC pins the saved state shows raised (bit n: pin n), which {@link #restore} lowers. */
    public int raisedEdgePins() {
        return KvmIoapicState.ofIrqchip(MemorySegment.ofArray(ioapic)).raisedEdgePins();
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
