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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 20 busy tiny machines at a time, each created, started, paused, resumed, stopped and closed by a pool
 * of threads in random order, for 10 rounds; half of them also stop themselves (a guest reset racing
 * the host). Every machine must report its exit, only "cannot …" refusals may be thrown, and nothing
 * may be left behind. The seed is printed so a failing order can be replayed ({@code -Djvmm.stress.seed=}).
 */
@Tag("kvm")
@Timeout(900)
class VmStressTest {
    static final int MACHINES = 20;
    static final int ROUNDS = 10;
    static final int WORKERS = 4;
    static final int OPS_PER_MACHINE = 6;

    /** Real mode: knock on port 0xf4 (its device rings the I/O thread's doorbell), count in [bx], forever. */
    static final byte[] KNOCK_AND_COUNT = {
            (byte) 0xe6, (byte) 0xf4,               // 0x1000 out 0xf4, al
            0x66, (byte) 0xff, 0x07,                // 0x1002 inc dword [bx]
            (byte) 0xeb, (byte) 0xf9};              // 0x1005 jmp 0x1000

    @BeforeEach
    void needKvm() {
        TestGuests.assumeKvm();
    }

    /** One machine's life in a round. */
    private static final class Life {
        final int index;
        final boolean guestStops;
        final boolean irqchip;
        final long knocksBeforeReset;
        VirtualMachine vm;
        OwnedFd doorbell;
        final AtomicLong knocks = new AtomicLong();
        final AtomicLong rings = new AtomicLong();

        Life(int index, Random random) {
            this.index = index;
            this.guestStops = random.nextBoolean();
            this.irqchip = random.nextBoolean(); // in-kernel irqchip: vcpu-1 then waits in the kernel for a SIPI
            this.knocksBeforeReset = 200 + random.nextInt(20_000);
        }
    }

    private enum Op { PAUSE, RESUME, STOP, STATE }

    @Test
    void twentyMachinesStartedPausedResumedAndStoppedFromSeveralThreadsInRandomOrder() throws Exception {
        long seed = Long.getLong("jvmm.stress.seed", System.nanoTime());
        Random random = new Random(seed);
        long fds = countFds();
        long maps = countVmMappings();
        AtomicInteger pauses = new AtomicInteger();
        AtomicInteger resumes = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger guestResets = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS, Thread.ofPlatform().name("stress-", 0).factory());
        try (Kvm kvm = Kvm.open()) {
            for (int round = 0; round < ROUNDS; round++) {
                List<Life> lives = new ArrayList<>();
                for (int i = 0; i < MACHINES; i++) {
                    lives.add(new Life(i, random));
                }
                // Create and start from the pool, in random order.
                Collections.shuffle(lives, random);
                List<CompletableFuture<Void>> created = lives.stream()
                        .map(l -> CompletableFuture.runAsync(() -> createAndStart(kvm, l), pool)).toList();
                CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

                // Pause, resume, state and stop requests for every machine, shuffled together and run
                // concurrently: some come after the stop, or race each other, and must be refused cleanly.
                List<Runnable> ops = new ArrayList<>();
                for (Life l : lives) {
                    for (int k = 0; k < OPS_PER_MACHINE; k++) {
                        Op op = random.nextInt(5) == 0 ? Op.STATE : k % 2 == 0 ? Op.PAUSE : Op.RESUME;
                        ops.add(() -> apply(l, op, pauses, resumes, refused));
                    }
                }
                Collections.shuffle(ops, random);
                for (Life l : lives) { // the host's stops land anywhere in the second half
                    int at = ops.size() / 2 + random.nextInt(ops.size() / 2 + 1);
                    ops.add(at, () -> apply(l, Op.STOP, pauses, resumes, refused));
                }
                List<CompletableFuture<Void>> running = ops.stream().map(op -> CompletableFuture.runAsync(op, pool)).toList();
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);

                // Every machine reports its exit; then close them all from the pool.
                for (Life l : lives) {
                    MachineExit exit = l.vm.awaitExit(Duration.ofSeconds(60));
                    assertNotNull(exit, "round " + round + ", machine " + l.index + " did not report an exit (seed " + seed + ")");
                    assertTrue(exit.success(), exit.reason());
                    assertTrue(exit.reason().equals("stress stop") || exit.reason().equals("guest reset"),
                            "unexpected exit: " + exit.reason());
                    if (exit.reason().equals("guest reset")) {
                        guestResets.incrementAndGet();
                    }
                    assertEquals(MachineState.STOPPED, l.vm.state());
                }
                List<CompletableFuture<Void>> closed = lives.stream().map(l -> CompletableFuture.runAsync(() -> {
                    assertTrue(l.vm.release(), "machine " + l.index + " did not release everything");
                    l.doorbell.close();
                }, pool)).toList();
                CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("VmStressTest: %d rounds of %d machines in %.1f s (seed %d): %d pauses, %d resumes, %d refused requests, %d guest resets%n",
                ROUNDS, MACHINES, seconds, seed, pauses.get(), resumes.get(), refused.get(), guestResets.get());
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> (t.getName().startsWith("vcpu-") || t.getName().equals("vmm-io")) && t.isAlive()).count(),
                "machine threads left behind");
        assertEquals(maps, countVmMappings(), "guest RAM or kvm_run mappings left behind");
        assertEquals(fds, countFds(), "file descriptors left behind");
    }

    /** A machine of 1 or 2 vCPUs whose guest knocks on a port; the knock rings an I/O-thread doorbell. */
    private static void createAndStart(Kvm kvm, Life l) {
        int vcpus = 1 + l.index % 2;
        l.vm = VirtualMachine.create(kvm, TestGuests.config(0x10000, vcpus, l.irqchip));
        l.doorbell = Sys.eventfd(Sys.EFD_NONBLOCK);
        MemorySegment one = Arena.ofAuto().allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        l.vm.pio().insert("knock", 0xf4, 1, new BusDevice() {
            public void read(long offset, byte[] data) {
            }

            public void write(long offset, byte[] data) {
                Sys.write(l.doorbell.fd(), one, "doorbell");
                if (l.knocks.incrementAndGet() == l.knocksBeforeReset && l.guestStops) {
                    l.vm.stop(MachineExit.ok("guest reset")); // from a vCPU, racing the host's requests
                }
            }
        });
        l.vm.io().addEventFd("doorbell", l.doorbell.fd(), l.rings::incrementAndGet);
        l.vm.memory().write(GuestAddress.of(0x1000), KNOCK_AND_COUNT);
        l.vm.start(vcpu -> {
            TestGuests.realMode(vcpu, 0x1000);
            vcpu.setRegs(vcpu.getRegs().set(KvmRegs.Reg.rbx, 0x600 + 4L * vcpu.id()));
        }, null);
    }

    private static void apply(Life l, Op op, AtomicInteger pauses, AtomicInteger resumes, AtomicInteger refused) {
        try {
            switch (op) {
                case PAUSE -> {
                    l.vm.pause();
                    pauses.incrementAndGet();
                }
                case RESUME -> {
                    l.vm.resume();
                    resumes.incrementAndGet();
                }
                case STATE -> assertNotNull(l.vm.state());
                case STOP -> l.vm.stop(MachineExit.ok("stress stop"));
            }
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().startsWith("cannot pause: ") || e.getMessage().startsWith("cannot resume: "),
                    e.getMessage());
            refused.incrementAndGet();
        }
    }

    /** KVM and eventfd descriptors (class loading may open jars meanwhile: those are not ours). */
    private static long countFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(p -> {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    return target.startsWith("anon_inode:") || target.equals("/dev/kvm");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }

    private static long countVmMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> (l.contains("/dev/zero") || l.contains("/memfd:jvmm-guest-ram") || l.contains("/memory.bin")) || l.contains("kvm-vcpu")).count();
    }
}
