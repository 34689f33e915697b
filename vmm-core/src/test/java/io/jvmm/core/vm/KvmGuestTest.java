package io.jvmm.core.vm;

import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny hand-assembled guests on the real /dev/kvm: the exits they cause and the data they carry. */
@Tag("kvm")
@Timeout(60)
class KvmGuestTest {
    @BeforeEach
    void needKvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void realModeGuestDoesPortIoAndMmioThenHalts() throws Exception {
        byte[] code = {
                (byte) 0xba, (byte) 0xf8, 0x03,             // mov dx, 0x3f8
                (byte) 0xb0, 0x41,                          // mov al, 'A'
                (byte) 0xee,                                // out dx, al
                (byte) 0xec,                                // in al, dx          (device answers 0x7e)
                (byte) 0xb8, 0x00, 0x20,                    // mov ax, 0x2000
                (byte) 0x8e, (byte) 0xd8,                   // mov ds, ax         (ds base 0x20000: no RAM)
                (byte) 0xc6, 0x06, 0x00, 0x00, 0x5a,        // mov byte [0x0000], 0x5a  -> MMIO write 0x20000
                (byte) 0xa0, 0x04, 0x00,                    // mov al, [0x0004]         -> MMIO read 0x20004
                (byte) 0xee,                                // out dx, al         (echo what MMIO answered)
                (byte) 0xf4};                               // hlt
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            var port = new TestGuests.Recorder(0x7e);
            var mmio = new TestGuests.Recorder(0x99);
            vm.pio().insert("test-port", 0x3f8, 8, port);
            vm.mmio().insert("test-mmio", 0x20000, 0x1000, mmio);
            vm.memory().write(GuestAddress.of(0x1000), code);
            vm.start(vcpu -> TestGuests.realMode(vcpu, 0x1000), null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit, "guest did not halt");
            assertEquals(0, exit.status(), exit.reason());

            assertEquals(List.of("w0:41", "r0:7e", "w0:99"), describe(port.accesses));
            assertEquals(List.of("w0:5a", "r4:99"), describe(mmio.accesses));
            assertTrue(port.accesses.stream().allMatch(a -> a.thread().equals("vcpu-0")));
            assertEquals(3L, vm.stats().byDevice().get("test-port"));
            assertEquals(1L, vm.stats().byKind().get("HLT"));
        }
    }

    @Test
    void longModeRing0GuestDoesPortIoAndWideMmio() throws Exception {
        byte[] code = {
                0x66, (byte) 0xba, (byte) 0xf8, 0x03,                   // mov dx, 0x3f8
                (byte) 0xb0, 0x42,                                      // mov al, 'B'
                (byte) 0xee,                                            // out dx, al
                (byte) 0xbb, 0x00, 0x00, 0x00, 0x20,                    // mov ebx, 0x20000000 (no RAM there)
                (byte) 0xc7, 0x03, 0x44, 0x33, 0x22, 0x11,              // mov dword [rbx], 0x11223344
                0x48, (byte) 0x8b, 0x43, 0x08,                          // mov rax, [rbx+8]   (8-byte MMIO read)
                0x66, (byte) 0xba, (byte) 0xfa, 0x03,                   // mov dx, 0x3fa
                (byte) 0xef,                                            // out dx, eax
                (byte) 0xf4};                                           // hlt
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x200000, 1, false))) {
            var port = new TestGuests.Recorder(0);
            var mmio = new TestGuests.Recorder(0x5c);
            vm.pio().insert("test-port", 0x3f8, 8, port);
            vm.mmio().insert("test-mmio", TestGuests.MMIO_BASE, 0x1000, mmio);
            vm.memory().write(GuestAddress.of(0x1000), code);
            vm.start(vcpu -> TestGuests.longMode(vcpu, vm.memory(), 0x1000), null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit);
            assertEquals(0, exit.status(), exit.reason());
            assertEquals(List.of("w0:42", "w2:5c5c5c5c"), describe(port.accesses));
            assertEquals(List.of("w0:44332211", "r8:5c5c5c5c5c5c5c5c"), describe(mmio.accesses));
        }
    }

    @Test
    void longModeRing3GuestDoesPortIoAndMmioFromUserMode() throws Exception {
        byte[] user = {
                (byte) 0x8c, (byte) 0xc8,                               // mov eax, cs
                0x66, (byte) 0xba, (byte) 0xfb, 0x03,                   // mov dx, 0x3fb
                (byte) 0xee,                                            // out dx, al    (reports CS: 0x1b = ring 3)
                (byte) 0xbb, 0x00, 0x00, 0x00, 0x20,                    // mov ebx, 0x20000000
                (byte) 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12,              // mov dword [rbx], 0x12345678
                (byte) 0x8b, 0x43, 0x10,                                // mov eax, [rbx+0x10]
                0x66, (byte) 0xba, (byte) 0xfa, 0x03,                   // mov dx, 0x3fa
                (byte) 0xef,                                            // out dx, eax
                0x66, (byte) 0xba, (byte) 0xf4, 0x00,                   // mov dx, 0xf4   (the test's "done" port)
                (byte) 0xee,                                            // out dx, al
                (byte) 0xeb, (byte) 0xfe};                              // jmp $
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x200000, 1, false))) {
            var port = new TestGuests.Recorder(0);
            var mmio = new TestGuests.Recorder(0x33);
            vm.pio().insert("test-port", 0x3f8, 8, port);
            vm.pio().insert("done", 0xf4, 1, new io.jvmm.core.bus.BusDevice() {
                public void read(long offset, byte[] data) {
                }

                public void write(long offset, byte[] data) {
                    vm.stop(MachineExit.ok("guest said done"));
                }
            });
            vm.mmio().insert("test-mmio", TestGuests.MMIO_BASE, 0x1000, mmio);
            vm.memory().write(GuestAddress.of(0x1000), TestGuests.iretqToRing3(0x2000));
            vm.memory().write(GuestAddress.of(0x2000), user);
            vm.start(vcpu -> TestGuests.longMode(vcpu, vm.memory(), 0x1000), null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit);
            assertEquals("guest said done", exit.reason());
            // CS as ring 3 sees it: its RPL (low two bits) is the CPL and must be 3. The selector itself is
            // 0x1b on hardware KVM but 0x33 on PVM hosts, which run guest user code with the host's selectors.
            assertEquals(3, port.accesses.get(0).data()[0] & 3, "CPL of the user-mode code");
            assertEquals(List.of("w2:33333333"), describe(port.accesses.subList(1, port.accesses.size())));
            assertEquals(List.of("w0:78563412", "r10:33333333"), describe(mmio.accesses));
        }
    }

    @Test
    void everyVcpuOfAMachineRunsOnItsOwnNamedThread() throws Exception {
        byte[] code = {
                (byte) 0xba, (byte) 0xf8, 0x03,             // mov dx, 0x3f8
                (byte) 0xee,                                // out dx, al   (al = vCPU id, set by setup)
                (byte) 0xf4};                               // hlt
        int n = 4;
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, n, false))) {
            var port = new TestGuests.Recorder(0);
            vm.pio().insert("test-port", 0x3f8, 8, port);
            vm.memory().write(GuestAddress.of(0x1000), code);
            vm.start(vcpu -> {
                TestGuests.realMode(vcpu, 0x1000);
                vcpu.setRegs(vcpu.getRegs().set(KvmRegs.Reg.rax, vcpu.id()));
            }, null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit);
            assertEquals("all vCPUs halted", exit.reason());
            Set<String> seen = port.accesses.stream()
                    .map(a -> a.thread() + "=" + a.data()[0]).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of("vcpu-0=0", "vcpu-1=1", "vcpu-2=2", "vcpu-3=3"), seen);
            assertEquals((long) n, vm.stats().byKind().get("HLT"));
        }
    }

    @Test
    void exitTraceHasOneLinePerExit() throws Exception {
        byte[] code = {(byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xb0, 0x68, (byte) 0xee, (byte) 0xf4}; // mov dx,0x3f8; mov al,'h'; out; hlt
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            vm.memory().write(GuestAddress.of(0x1000), code);
            vm.start(vcpu -> TestGuests.realMode(vcpu, 0x1000), lines::add);
            assertNotNull(vm.awaitExit(Duration.ofSeconds(30)));
        }
        assertEquals(List.of("vcpu-0 out 0x3f8 ← 0x68 'h' → no device (ignored)", "vcpu-0 hlt → vCPU 0 done (HLT with no in-kernel irqchip: nothing will wake it)"), lines);
    }

    private static List<String> describe(List<TestGuests.Recorder.Access> accesses) {
        return accesses.stream().map(a -> (a.write() ? "w" : "r") + Long.toHexString(a.offset()) + ":"
                + HexFormat.of().formatHex(a.data())).toList();
    }
}
