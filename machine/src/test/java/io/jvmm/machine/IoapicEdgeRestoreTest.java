package io.jvmm.machine;

import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmIoapicState;
import io.jvmm.core.kvm.KvmIrqchip;
import io.jvmm.core.kvm.KvmLapicState;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.kvm.VmFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.devices.legacy.Serial;
import io.jvmm.machine.snapshot.VmState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * COM1's interrupt after a restore whose saved IOAPIC state has COM1's pin raised — what a snapshot saves when it
 * reads the irqchip between the two halves of an irqfd pulse (irqfd_inject() raises, then lowers, from a kernel
 * worker) while the pin is masked (see {@link VmState#restore}). KVM keeps a restored raised edge pin raised, and
 * drops the next raise as coalesced unless the restore lowers the pin. The UART, its irqfd and KVM's in-kernel
 * IOAPIC and local APIC are real; no guest code runs: the test reads the vector's bit in the APIC's IRR
 * (KVM_GET_LAPIC), where an interrupt waits for the CPU to take it. Without the lowering it fails with the UART's
 * output high and its FIFO full of the typed bytes.
 */
@Tag("kvm")
@Timeout(60)
class IoapicEdgeRestoreTest {
    static final int COM1_PIN = Machine.COM1_GSI;
    static final int VECTOR = 0x24;
    /** APIC registers (Intel SDM vol. 3, table 11-1): spurious-interrupt vector (bit 8: APIC enabled), IRR. */
    static final int APIC_SPIV = 0xf0;
    static final int APIC_SPIV_APIC_ENABLED = 0x100;
    static final int APIC_IRR = 0x200;

    @Test
    void aRestoredRaisedEdgePinIsLoweredSoTheUartsNextEdgeReachesTheCpu() throws Exception {
        Path dev = Path.of(Kvm.DEV_KVM);
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm: KVM tests skipped");
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
            vm.createIrqchip();
            vm.createPit2(0);
            try (VcpuFd vcpu = vm.createVcpu(0);
                 EventFdInterrupt line = new EventFdInterrupt(Sys.eventfd(0), COM1_PIN)) {
                vm.irqfd(line.fd(), COM1_PIN);
                KvmLapicState lapic = vcpu.getLapic();
                lapic.reg(APIC_SPIV, lapic.reg(APIC_SPIV) | APIC_SPIV_APIC_ENABLED);
                vcpu.setLapic(lapic); // software-enabled: it accepts fixed interrupts
                byte[] apicPage = bytes(lapic.segment());

                // The saved state: pin 4 edge-triggered, unmasked, fixed delivery of VECTOR to APIC 0, and raised.
                VmState live = VmState.capture(vm, vm.getClock());
                byte[] ioapic = live.ioapic().clone();
                MemorySegment chip = MemorySegment.ofArray(ioapic);
                long irr = KvmIrqchip.LAYOUT.byteOffset(groupElement("chip")) + KvmIoapicState.LAYOUT.byteOffset(groupElement("irr"));
                long entry = KvmIrqchip.LAYOUT.byteOffset(groupElement("chip"))
                        + KvmIoapicState.LAYOUT.byteOffset(groupElement("redirtbl")) + 8L * COM1_PIN;
                chip.set(ValueLayout.JAVA_LONG_UNALIGNED, entry, VECTOR);
                chip.set(ValueLayout.JAVA_INT_UNALIGNED, irr, chip.get(ValueLayout.JAVA_INT_UNALIGNED, irr) | 1 << COM1_PIN);
                VmState saved = new VmState(live.picMaster(), live.picSlave(), ioapic, live.pit2(), live.clock());
                assertEquals(1 << COM1_PIN, saved.raisedEdgePins());

                saved.restore(vm);
                // The vCPUs' state comes after the VM's: the saved APIC page, without the edge KVM_SET_IRQCHIP
                // delivered again, replaces what is there.
                KvmLapicState restored = new KvmLapicState();
                restored.segment().copyFrom(MemorySegment.ofArray(apicPage));
                vcpu.setLapic(restored);
                assertFalse(vectorPending(vcpu), "the APIC starts without the vector");

                // The guest's driver has the UART open, with the received-data interrupt on; the host types.
                Serial uart = new Serial(line, OutputStream.nullOutputStream());
                uart.write(4, new byte[] {0x0b});  // UART_MCR: DTR | RTS | OUT2
                uart.write(2, new byte[] {0x01});  // UART_FCR: FIFO on
                uart.write(1, new byte[] {0x05});  // UART_IER: RDI | RLSI
                byte[] typed = "echo\n".getBytes(StandardCharsets.US_ASCII);
                assertEquals(typed.length, uart.offerInput(typed, 0, typed.length));
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!vectorPending(vcpu)) {
                    assertTrue(System.nanoTime() < deadline, "the UART's edge did not reach the CPU within 5 s; UART: "
                            + uart.summary());
                    Thread.sleep(1);
                }
            }
        }
    }

    private static boolean vectorPending(VcpuFd vcpu) {
        return (vcpu.getLapic().reg(APIC_IRR + 0x10 * (VECTOR / 32)) & 1 << (VECTOR % 32)) != 0;
    }

    private static java.lang.foreign.MemoryLayout.PathElement groupElement(String name) {
        return java.lang.foreign.MemoryLayout.PathElement.groupElement(name);
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
