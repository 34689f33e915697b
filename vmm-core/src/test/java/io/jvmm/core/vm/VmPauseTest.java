package io.jvmm.core.vm;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Machine states, pause and resume, and the I/O thread's part in the teardown, with tiny busy guests. */
@Tag("kvm")
@Timeout(120)
class VmPauseTest {
    /** Real mode: report on port 0xf4, then count in the dword at [bx] forever (bx = 0x600 + 4 × vCPU id). */
    static final byte[] COUNT = {
            (byte) 0xe6, (byte) 0xf4,               // 0x1000 out 0xf4, al
            0x66, (byte) 0xff, 0x07,                // 0x1002 inc dword [bx]
            (byte) 0xeb, (byte) 0xfb};              // 0x1005 jmp 0x1002
    static final long COUNTERS = 0x600;

    @BeforeEach
    void needKvm() {
        TestGuests.assumeKvm();
    }

    /** Loads COUNT, starts {@code vcpus} vCPUs, returns once each has reported in. */
    static void startCounting(VirtualMachine vm, int vcpus) throws InterruptedException {
        CountDownLatch arrived = new CountDownLatch(vcpus);
        vm.pio().insert("arrival", 0xf4, 1, new BusDevice() {
            public void read(long offset, byte[] data) {
            }

            public void write(long offset, byte[] data) {
                arrived.countDown();
            }
        });
        vm.memory().write(GuestAddress.of(0x1000), COUNT);
        vm.start(vcpu -> {
            TestGuests.realMode(vcpu, 0x1000);
            vcpu.setRegs(vcpu.getRegs().set(KvmRegs.Reg.rbx, COUNTERS + 4L * vcpu.id()));
        }, null);
        assertTrue(arrived.await(30, TimeUnit.SECONDS), "vCPUs did not start");
    }

    private static int[] counters(VirtualMachine vm, int vcpus) {
        int[] c = new int[vcpus];
        for (int i = 0; i < vcpus; i++) {
            c[i] = vm.memory().readInt(GuestAddress.of(COUNTERS + 4L * i));
        }
        return c;
    }

    @Test
    void pauseParksEveryVcpuAndResumeLetsThemRunOn() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, false))) {
            startCounting(vm, 2);
            for (int round = 0; round < 5; round++) {
                vm.pause();
                assertEquals(MachineState.PAUSED, vm.state());
                int[] atPause = counters(vm, 2);
                Thread.sleep(100); // a vCPU left running would count on meanwhile
                assertEquals(java.util.Arrays.toString(atPause), java.util.Arrays.toString(counters(vm, 2)),
                        "a vCPU ran while the machine was paused");
                vm.resume();
                assertEquals(MachineState.RUNNING, vm.state());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while ((counters(vm, 2)[0] == atPause[0] || counters(vm, 2)[1] == atPause[1]) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertNotEquals(atPause[0], counters(vm, 2)[0], "vcpu-0 did not run on after resume");
                assertNotEquals(atPause[1], counters(vm, 2)[1], "vcpu-1 did not run on after resume");
            }
            vm.pause();
            vm.stop(MachineExit.ok("stopped while paused"));
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(10));
            assertNotNull(exit, "a paused machine did not stop");
            assertEquals("stopped while paused", exit.reason());
            assertEquals(MachineState.STOPPED, vm.state());
        }
    }

    /**
     * The guest's kvm-clock stands still while paused: a guest kernel with a periodic tick replays each tick
     * its clock skipped, which where its code is emulated takes longer than the ticks it replays.
     */
    @Test
    void theGuestClockStandsStillWhilePaused() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, true))) {
            startCounting(vm, 1);
            vm.pause();
            long atPause = vm.clock().clock();
            Thread.sleep(400);
            assertEquals(atPause, vm.clock().clock(), "the clock the guest goes on from, read while paused");
            vm.resume();
            long afterResume = vm.clock().clock();
            assertTrue(afterResume >= atPause && afterResume - atPause < 300_000_000L,
                    "kvm-clock went on from " + atPause + " ns to " + afterResume + " ns over a 400 ms pause");
            assertEquals("cannot set the guest clock: the machine is running",
                    assertThrows(IllegalStateException.class, () -> vm.holdClock(vm.clock())).getMessage());
        }
    }

    @Test
    void startAfterSetupRunsItsStepOnceWhenEveryVcpuIsSetUpAndBeforeAnyRuns() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, false))) {
            CountDownLatch arrived = new CountDownLatch(2);
            vm.pio().insert("arrival", 0xf4, 1, new BusDevice() {
                public void read(long offset, byte[] data) {
                }

                public void write(long offset, byte[] data) {
                    arrived.countDown();
                }
            });
            vm.memory().write(GuestAddress.of(0x1000), COUNT);
            java.util.concurrent.atomic.AtomicInteger setUp = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            vm.startAfterSetup(vcpu -> {
                TestGuests.realMode(vcpu, 0x1000);
                vcpu.setRegs(vcpu.getRegs().set(KvmRegs.Reg.rbx, COUNTERS + 4L * vcpu.id()));
                setUp.incrementAndGet();
            }, () -> seen.add("after " + setUp.get() + " set up, counters " + java.util.Arrays.toString(counters(vm, 2))
                    + ", arrivals missing " + arrived.getCount()));
            assertTrue(arrived.await(30, TimeUnit.SECONDS), "vCPUs did not start");
            assertEquals(java.util.List.of("after 2 set up, counters [0, 0], arrivals missing 2"), seen);
            assertEquals(MachineState.RUNNING, vm.state());
            vm.pause(); // the started machine pauses and resumes as any other
            vm.resume();
        }
    }

    @Test
    void startAfterSetupSkipsItsStepAndStopsTheMachineWhenASetupFails() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 2, false))) {
            vm.memory().write(GuestAddress.of(0x1000), COUNT);
            java.util.concurrent.atomic.AtomicBoolean stepRan = new java.util.concurrent.atomic.AtomicBoolean();
            vm.startAfterSetup(vcpu -> {
                TestGuests.realMode(vcpu, 0x1000);
                if (vcpu.id() == 1) {
                    throw new IllegalStateException("vcpu 1: state refused");
                }
            }, () -> stepRan.set(true));
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit, "the machine did not stop");
            assertEquals("vcpu-1: vcpu 1: state refused", exit.reason());
            assertFalse(stepRan.get(), "the after-setup step ran although a vCPU's setup failed");
        }
    }

    @Test
    void illegalTransitionsAreRefusedWithAClearError() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            assertEquals(MachineState.CREATED, vm.state());
            assertEquals("cannot pause: the machine is not running (it is not started yet)",
                    assertThrows(IllegalStateException.class, vm::pause).getMessage());
            assertEquals("cannot resume: the machine is not paused (it is not started yet)",
                    assertThrows(IllegalStateException.class, vm::resume).getMessage());
            startCounting(vm, 1);
            assertEquals(MachineState.RUNNING, vm.state());
            assertEquals("cannot resume: the machine is not paused (it is running)",
                    assertThrows(IllegalStateException.class, vm::resume).getMessage());
            assertEquals("cannot start: the machine is not new (it is running)",
                    assertThrows(IllegalStateException.class, () -> vm.start(v -> { }, null)).getMessage());
            vm.pause();
            assertEquals("cannot pause: the machine is not running (it is paused)",
                    assertThrows(IllegalStateException.class, vm::pause).getMessage());
            vm.resume();
            vm.stop(MachineExit.ok("done"));
            vm.stop(MachineExit.failure("a second stop is ignored"));
            assertEquals("done", vm.awaitExit(Duration.ofSeconds(10)).reason());
            assertEquals("cannot pause: the machine is not running (it is stopped)",
                    assertThrows(IllegalStateException.class, vm::pause).getMessage());
            assertEquals("cannot resume: the machine is not paused (it is stopped)",
                    assertThrows(IllegalStateException.class, vm::resume).getMessage());
        }
    }

    /** A device handler on a vCPU that pauses its own machine would wait for itself: refused, and the machine ends with that error. */
    @Test
    void pauseFromTheMachinesOwnVcpuIsRefused() throws Exception {
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            vm.pio().insert("pauser", 0xf4, 1, new BusDevice() {
                public void read(long offset, byte[] data) {
                }

                public void write(long offset, byte[] data) {
                    vm.pause();
                }
            });
            vm.memory().write(GuestAddress.of(0x1000), COUNT);
            vm.start(vcpu -> TestGuests.realMode(vcpu, 0x1000), null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit);
            assertFalse(exit.success());
            assertTrue(exit.reason().contains("cannot pause from the machine's own vcpu-0 thread"), exit.reason());
        }
    }

    /** Fix 5.4 on a machine: a failing I/O handler stops the guest with a failure exit. */
    @Test
    void anIoHandlerExceptionStopsTheMachineWithAFailure() throws Exception {
        try (Kvm kvm = Kvm.open(); OwnedFd doorbell = Sys.eventfd(Sys.EFD_NONBLOCK);
             VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false))) {
            vm.io().addEventFd("test-q0", doorbell.fd(), () -> {
                throw new IllegalStateException("device bug");
            });
            startCounting(vm, 1);
            signal(doorbell);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertNotNull(exit, "the guest ran on after the I/O thread died");
            assertEquals(1, exit.status());
            assertEquals("vmm-io: test-q0: java.lang.IllegalStateException: device bug", exit.reason());
        }
    }

    /** Fix 5.3 on a machine: guest RAM stays mapped while the I/O thread lives; a later close releases it. */
    @Test
    void ramStaysMappedWhileTheIoThreadDoesNotStop() throws Exception {
        long maps = countRamMappings();
        try (Kvm kvm = Kvm.open(); OwnedFd doorbell = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            VirtualMachine vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, 1, false));
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            boolean[] read = new boolean[1];
            vm.io().addEventFd("stuck-q0", doorbell.fd(), () -> {
                inHandler.countDown();
                release.await();
                vm.memory().readInt(GuestAddress.of(COUNTERS)); // guest RAM, used after close began: must be mapped
                read[0] = true;
            });
            startCounting(vm, 1);
            signal(doorbell);
            assertTrue(inHandler.await(10, TimeUnit.SECONDS));
            vm.joinTimeout(Duration.ofMillis(300));
            assertFalse(vm.release(), "close must report the I/O thread that did not stop");
            assertEquals(maps + 1, countRamMappings(), "guest RAM was unmapped under the live I/O thread");
            vm.stop(MachineExit.ok("after a failed close")); // still harmless
            release.countDown();
            assertTrue(vm.release(), "a second close, once the thread ended, releases everything");
            assertTrue(vm.isReleased());
            assertTrue(read[0]);
        }
        assertEquals(maps, countRamMappings());
    }

    private static void signal(OwnedFd fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            Sys.write(fd.fd(), one, "test");
        }
    }

    /** Guest RAM: shared anonymous mappings show as /dev/zero in /proc/self/maps. */
    private static long countRamMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> (l.contains("/dev/zero") || l.contains("/memfd:jvmm-guest-ram") || l.contains("/memory.bin"))).count();
    }
}
