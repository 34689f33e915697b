package io.jvmm.machine.snapshot;

import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmPitState2;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.vm.VirtualMachine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The KVM state of a VM with an in-kernel irqchip (PIC, IOAPIC, PIT, kvm-clock, LAPIC) read from one VM,
 * written into a brand-new one (whose memory is the first one's memory file, mapped MAP_PRIVATE) and
 * read again: what the guest programmed is there, the rest equal.
 */
@Tag("kvm")
@Timeout(60)
class KvmStateRoundTripTest {
    static final long CODE = 0x1000;
    /**
     * Real mode:
     * <pre>
     *   b0 34  e6 43   mov al, 0x34; out 0x43, al   ; PIT channel 0, lobyte/hibyte, mode 2
     *   b0 34  e6 40   mov al, 0x34; out 0x40, al   ; count 0x1234
     *   b0 12  e6 40   mov al, 0x12; out 0x40, al
     *   b0 fe  e6 21   mov al, 0xfe; out 0x21, al   ; PIC master: only IRQ0 unmasked (OCW1)
     *   eb fe          jmp $
     * </pre>
     */
    static final byte[] GUEST = {(byte) 0xb0, 0x34, (byte) 0xe6, 0x43, (byte) 0xb0, 0x34, (byte) 0xe6, 0x40,
            (byte) 0xb0, 0x12, (byte) 0xe6, 0x40, (byte) 0xb0, (byte) 0xfe, (byte) 0xe6, 0x21, (byte) 0xeb, (byte) 0xfe};
    static final long END = CODE + GUEST.length - 2;

    @TempDir
    Path dir;

    @Test
    void vmAndVcpuStateTravelIntoANewVm() throws Exception {
        Path dev = Path.of(Kvm.DEV_KVM);
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm: KVM tests skipped");
        var ram = List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), 1L << 20));
        try (Kvm kvm = Kvm.open()) {
            int[] msrIndices = kvm.getMsrIndexList();
            assertTrue(msrIndices.length > 10, "KVM_GET_MSR_INDEX_LIST: " + msrIndices.length);
            List<VcpuState> saved = new ArrayList<>();
            VmState savedVm;
            Path memory = dir.resolve(StateFile.MEMORY_NAME);
            try (VirtualMachine a = VirtualMachine.create(kvm, new VirtualMachine.Config(ram, 1, true))) {
                a.memory().write(GuestAddress.of(CODE), GUEST);
                a.start(vcpu -> {
                    KvmSregs s = vcpu.getSregs();
                    s.seg(KvmSregs.Seg.cs).setRealMode(0, true);
                    vcpu.setSregs(s);
                    vcpu.setRegs(new KvmRegs().rip(CODE).rflags(KvmRegs.RFLAGS_RESERVED));
                }, null);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (true) {
                    a.pause();
                    saved.clear();
                    a.onEachVcpu(v -> saved.add(VcpuState.capture(v, msrIndices, true)));
                    if (saved.getFirst().reg(KvmRegs.Reg.rip) == END) {
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "the guest did not reach its jmp $");
                    a.resume();
                    Thread.sleep(5);
                }
                savedVm = VmState.capture(a.vm(), a.clock());
                MemoryFile.Written w = MemoryFile.write(memory, a.memory().regions(), a::ramFd);
                assertEquals(1L << 20, w.length());
                assertEquals(4096, w.dataBytes(), "one page of code, the rest holes");
            }
            assertEquals(0x1234, pitCount(savedVm.pit2()), "the guest's PIT count");
            assertEquals(0xfe, savedVm.picMaster()[8 + 2] & 0xff, "the guest's PIC mask (kvm_pic_state.imr)");

            try (VirtualMachine b = VirtualMachine.create(kvm, new VirtualMachine.Config(ram, 1, true, memory))) {
                Thread.sleep(300); // the guest must not see this, nor the time the restore takes
                savedVm.restore(b.vm());
                b.holdClock(savedVm.clockData());
                b.start(v -> saved.getFirst().restore(v), null, true);
                List<VcpuState> again = new ArrayList<>();
                b.onEachVcpu(v -> again.add(VcpuState.capture(v, msrIndices, true)));
                VmState vmAgain = VmState.capture(b.vm(), b.clock());
                VcpuState x = saved.getFirst();
                VcpuState y = again.getFirst();
                assertArrayEquals(x.regs(), y.regs());
                assertArrayEquals(x.sregs(), y.sregs());
                assertArrayEquals(x.xsave(), y.xsave());
                assertArrayEquals(x.xcrs(), y.xcrs());
                assertArrayEquals(x.debugregs(), y.debugregs());
                assertArrayEquals(x.lapic(), y.lapic());
                assertArrayEquals(x.mpState(), y.mpState());
                assertEquals(x.cpuid(), y.cpuid());
                // The PIT keeps counting in the new VM: IRQ0 may be requested again (kvm_pic_state.irr, byte 1 of chip).
                assertArrayEquals(withoutIrr(savedVm.picMaster()), withoutIrr(vmAgain.picMaster()));
                assertArrayEquals(savedVm.picSlave(), vmAgain.picSlave());
                assertArrayEquals(savedVm.ioapic(), vmAgain.ioapic());
                assertEquals(0x1234, pitCount(vmAgain.pit2()));
                assertEquals(GUEST[0], b.memory().readByte(GuestAddress.of(CODE)));
                long clockSaved = MemorySegment.ofArray(savedVm.clock()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                long clockAgain = MemorySegment.ofArray(vmAgain.clock()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                assertEquals(clockSaved, clockAgain, "kvm-clock held at the saved value until the vCPUs run");
                b.resume();
                long running = b.clock().clock();
                assertTrue(running >= clockSaved && running - clockSaved < 250_000_000L,
                        "kvm-clock goes on from the saved " + clockSaved + " ns, not from the time since: " + running);
            }
        }
    }

    private static byte[] withoutIrr(byte[] chip) {
        byte[] c = chip.clone();
        c[8 + 1] = 0;
        return c;
    }

    private static int pitCount(byte[] pit2) {
        long off = KvmPitState2.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("channels"),
                MemoryLayout.PathElement.sequenceElement(0), MemoryLayout.PathElement.groupElement("count"));
        return MemorySegment.ofArray(pit2).get(ValueLayout.JAVA_INT_UNALIGNED, off);
    }
}
