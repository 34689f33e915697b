package io.jvmm.core.vm;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping machines whose vCPUs are busy in the guest or halted in the kernel, and leaving nothing behind. */
@Tag("kvm")
@Timeout(120)
class VmLifecycleTest {
    /** Real mode: tell port 0xf4 "I am here", then spin forever. */
    private static final byte[] SPIN = {
            (byte) 0xe6, (byte) 0xf4,   // out 0xf4, al
            (byte) 0xeb, (byte) 0xfe};  // jmp $
    /** Real mode: tell port 0xf4, then halt with interrupts off: the vCPU sleeps in KVM's in-kernel HLT. */
    private static final byte[] HALT_FOREVER = {
            (byte) 0xe6, (byte) 0xf4,   // out 0xf4, al
            (byte) 0xfa,                // cli
            (byte) 0xf4,                // hlt
            (byte) 0xeb, (byte) 0xfd};  // jmp back to hlt (an NMI would wake it)

    @BeforeEach
    void needKvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void stopEndsVcpusSpinningInKvmRun() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, false))) {
            CountDownLatch arrived = startAndAwaitArrival(vm, SPIN, 2);
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "vCPUs did not start");
            Thread.sleep(50); // both now spin in the guest
            vm.stop(MachineExit.ok("stopped by test"));
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(10));
            assertNotNull(exit, "vCPUs did not stop");
            assertEquals("stopped by test", exit.reason());
        }
    }

    /**
     * With the in-kernel irqchip, vcpu-0 halts with interrupts off and vcpu-1, an application processor,
     * waits in the kernel for an INIT/SIPI that never comes: neither returns from KVM_RUN by itself.
     */
    @Test
    void stopEndsVcpusHaltedInTheKernel() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, true))) {
            CountDownLatch arrived = startAndAwaitArrival(vm, HALT_FOREVER, 1);
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "vCPUs did not start");
            Thread.sleep(50); // both now sleep in in-kernel HLT: no exit will come by itself
            vm.stop(MachineExit.ok("stopped by test"));
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(10));
            assertNotNull(exit, "halted vCPUs did not stop");
            assertEquals("stopped by test", exit.reason());
        }
    }

    @Test
    void profilerSamplesTheRipWhereTheGuestSpins() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            RipSamples samples = vm.enableProfiling(Duration.ofMillis(2));
            CountDownLatch arrived = startAndAwaitArrival(vm, SPIN, 1);
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "vCPU did not start");
            Thread.sleep(300);
            vm.stop(MachineExit.ok("enough samples"));
            assertNotNull(vm.awaitExit(Duration.ofSeconds(10)));
            assertTrue(samples.total() >= 10, "only " + samples.total() + " samples");
            long atJmp = samples.snapshot().getOrDefault(0x1002L, 0L); // the `jmp $` after `out 0xf4, al`
            assertTrue(atJmp >= samples.total() * 9 / 10, "samples: " + samples.snapshot());
        }
    }

    @Test
    void fiftyCreateRunStopCyclesLeaveNoThreadFdOrMapping() throws Exception {
        cycle(true); // warm up: class loading may open jars once
        cycle(false);
        long fds = countFds();
        long maps = countVmMappings();
        for (int i = 0; i < 50; i++) {
            cycle(i % 2 == 0);
        }
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu-")).count(), "vCPU threads left behind");
        assertEquals(fds, countFds(), "file descriptors left behind");
        assertEquals(maps, countVmMappings(), "guest RAM or kvm_run mappings left behind");
    }

    /**
     * Fix 5.1: a guest's own stop request (a reset, say) that arrives while another thread closes the
     * machine. close() used to join the vCPUs while holding the monitor stop() needs: the vCPU blocked in
     * stop(), the join gave up after 10 s and the VM's fds and mappings were leaked.
     */
    @Test
    void closeRacingAStopFromTheGuestJoinsAndReleasesEverything() throws Exception {
        cycle(false); // warm up
        long fds = countFds();
        long maps = countVmMappings();
        try (Kvm kvm = Kvm.open()) {
            VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false));
            CountDownLatch inHandler = new CountDownLatch(1);
            vm.pio().insert("reset", 0xf4, 1, new BusDevice() {
                public void read(long offset, byte[] data) {
                }

                public void write(long offset, byte[] data) {
                    inHandler.countDown();
                    try {
                        Thread.sleep(300); // close() begins meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    vm.stop(MachineExit.ok("guest reset"));
                }
            });
            vm.memory().write(GuestAddress.of(0x1000), SPIN);
            vm.start(vcpu -> TestGuests.realMode(vcpu, 0x1000), null);
            assertTrue(inHandler.await(20, TimeUnit.SECONDS), "vCPU did not start");
            vm.close();
        }
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vcpu-") && t.isAlive()).count(), "vCPU threads left behind");
        assertEquals(maps, countVmMappings(), "guest RAM or kvm_run mappings left behind");
        assertEquals(fds, countFds(), "file descriptors left behind");
    }

    /** Fix 5.2: stop() after close() must do nothing (it wrote immediate_exit into the unmapped kvm_run page). */
    @Test
    void stopAfterCloseDoesNothing() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, false));
            CountDownLatch arrived = startAndAwaitArrival(vm, SPIN, 2);
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "vCPUs did not start");
            vm.stop(MachineExit.ok("first stop"));
            assertNotNull(vm.awaitExit(Duration.ofSeconds(10)));
            vm.close();
            // Fill the address space where the kvm_run pages were, so a stray write would land in memory we see.
            List<Mapping> filler = new ArrayList<>();
            try {
                for (int i = 0; i < 64; i++) {
                    filler.add(Sys.mmap(4096, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_ANONYMOUS, -1, 0, "filler"));
                }
                vm.stop(MachineExit.ok("stop after close"));
                for (Mapping m : filler) {
                    assertEquals(-1, m.segment().asByteBuffer().mismatch(java.nio.ByteBuffer.allocate(4096)),
                            "stop() after close() wrote into memory at 0x" + Long.toHexString(m.address()));
                }
            } finally {
                filler.forEach(Mapping::close);
            }
            assertEquals("first stop", vm.awaitExit(Duration.ofSeconds(1)).reason());
        }
    }

    /** One machine's life; irqchip machines halt in the kernel, the others spin in the guest. */
    private static void cycle(boolean irqchip) throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x100000, 2, irqchip))) {
            CountDownLatch arrived = irqchip ? startAndAwaitArrival(vm, HALT_FOREVER, 1) : startAndAwaitArrival(vm, SPIN, 2);
            assertTrue(arrived.await(20, TimeUnit.SECONDS), "vCPUs did not start");
            vm.stop(MachineExit.ok("cycle"));
            assertNotNull(vm.awaitExit(Duration.ofSeconds(10)), "vCPUs did not stop");
        }
    }

    private static CountDownLatch startAndAwaitArrival(VirtualMachine vm, byte[] code, int vcpus) {
        CountDownLatch arrived = new CountDownLatch(vcpus);
        vm.pio().insert("arrival", 0xf4, 1, new BusDevice() {
            public void read(long offset, byte[] data) {
            }

            public void write(long offset, byte[] data) {
                arrived.countDown();
            }
        });
        vm.memory().write(GuestAddress.of(0x1000), code);
        vm.start(vcpu -> TestGuests.realMode(vcpu, 0x1000), null);
        return arrived;
    }

    private static long countFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Shared anonymous mappings (guest RAM shows as /dev/zero) and kvm_run pages (anon_inode:kvm-vcpu). */
    private static long countVmMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> (l.contains("/dev/zero") || l.contains("/memfd:jvmm-guest-ram") || l.contains("/memory.bin")) || l.contains("kvm-vcpu")).count();
    }
}
