package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.StateFile;
import io.jvmm.machine.snapshot.VcpuState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshot and restore of a tiny long-mode guest that counts in memory and in r12 in lock-step: the
 * restored machine (a new VM, memory mapped MAP_PRIVATE from the snapshot) goes on counting from where
 * the snapshot was taken, registers and memory alike; two clones of one snapshot write privately.
 */
@Tag("kvm")
@Timeout(120)
class SnapshotRestoreTest {
    static final long CODE = 0x1000;
    static final long COUNTER = 0x3000;
    static final long MARK = 0x4000;
    /**
     * <pre>
     *   loop: inc qword [0x3000]     48 ff 04 25 00 30 00 00
     *         inc r12                49 ff c4
     *         jmp loop               eb f3
     * </pre>
     */
    static final byte[] COUNTER_GUEST = {0x48, (byte) 0xff, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00,
            0x49, (byte) 0xff, (byte) 0xc4, (byte) 0xeb, (byte) 0xf3};

    @TempDir
    Path dir;

    private MachineSpec spec() throws Exception {
        return MachineSpec.builder().kernel(Files.write(dir.resolve("counter.bin"), COUNTER_GUEST))
                .format(MachineSpec.KernelFormat.RAW)
                .rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, CODE))
                .memoryBytes(4L << 20).cpuProfile(CpuProfile.HARDWARE).build();
    }

    private static long counter(Machine m) {
        return m.memory().readLong(GuestAddress.of(COUNTER));
    }

    private static void awaitAbove(LongSupplier value, long floor) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (value.getAsLong() <= floor) {
            assertTrue(System.nanoTime() < deadline, "the counter stayed at " + value.getAsLong() + ", not above " + floor);
            Thread.sleep(5);
        }
    }

    @Test
    void aRestoredGuestGoesOnCountingFromTheSnapshot() throws Exception {
        ExitPathProbeTest.assumeKvm();
        Path snap = dir.resolve("snap");
        long atSnapshot;
        try (Hypervisor h = Hypervisor.open()) {
            try (Machine m = Machine.build(h, spec(), new ByteArrayOutputStream(), System.nanoTime())) {
                m.start();
                awaitAbove(() -> counter(m), 1000);
                Machine.SnapshotResult r = m.snapshot(snap, false);
                assertEquals(MachineState.PAUSED, m.state());
                atSnapshot = counter(m);
                System.out.printf("snapshot of a %d MiB guest: %.2f ms (pause %.2f, state %.2f, memory %.2f ms), "
                                + "memory file %d bytes, %d of them data%n", (4), r.total().toNanos() / 1e6,
                        r.pause().toNanos() / 1e6, r.state().toNanos() / 1e6, r.memory().toNanos() / 1e6,
                        r.memoryBytes(), r.memoryDataBytes());
                assertEquals(4L << 20, r.memoryBytes());
                assertTrue(r.memoryDataBytes() < 1L << 20, "zero pages are holes: " + r.memoryDataBytes());
            }
            VcpuState saved = StateFile.read(snap).vcpus().get(0);
            long r12 = saved.reg(KvmRegs.Reg.r12);
            assertTrue(atSnapshot == r12 || atSnapshot == r12 + 1, "memory " + atSnapshot + " vs r12 " + r12);

            long t0 = System.nanoTime();
            try (Machine clone = Machine.restore(h, snap, new ByteArrayOutputStream(), System.nanoTime())) {
                assertEquals(atSnapshot, counter(clone), "memory comes from the snapshot");
                clone.start();
                long running = System.nanoTime();
                System.out.printf("restore: VM build start -> vCPUs started %.2f ms (first KVM_RUN %.2f ms after build start)%n",
                        (running - t0) / 1e6, waitFirstRun(clone) / 1e6);
                awaitAbove(() -> counter(clone), atSnapshot + 1000);
                Path again = dir.resolve("again");
                Machine.SnapshotResult r = clone.snapshot(again, false);
                System.out.printf("second snapshot (of the clone): %.2f ms (pause %.2f, state %.2f, memory %.2f ms)%n",
                        r.total().toNanos() / 1e6, r.pause().toNanos() / 1e6, r.state().toNanos() / 1e6, r.memory().toNanos() / 1e6);
                VcpuState after = StateFile.read(again).vcpus().get(0);
                long mem = counter(clone);
                long r12After = after.reg(KvmRegs.Reg.r12);
                assertTrue(r12After > r12 + 1000, "r12 went on from " + r12 + ": " + r12After);
                assertTrue(mem == r12After || mem == r12After + 1, "memory " + mem + " vs r12 " + r12After);
                assertTrue(after.reg(KvmRegs.Reg.rip) >= CODE && after.reg(KvmRegs.Reg.rip) < CODE + COUNTER_GUEST.length);
            }
        }
    }

    private static String exitOf(Machine m) {
        try {
            var e = m.awaitExit(Duration.ofSeconds(5));
            return e == null ? "still running" : e.reason();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static long waitFirstRun(Machine m) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (m.firstRunNanos() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return m.firstRunNanos() - m.buildStartNanos();
    }

    @Test
    void twoClonesOfOneSnapshotWritePrivately() throws Exception {
        ExitPathProbeTest.assumeKvm();
        Path snap = dir.resolve("snap");
        long atSnapshot;
        try (Hypervisor h = Hypervisor.open()) {
            try (Machine m = Machine.build(h, spec(), new ByteArrayOutputStream(), System.nanoTime())) {
                m.start();
                awaitAbove(() -> counter(m), 1000);
                m.snapshot(snap, false);
                atSnapshot = counter(m);
            }
            // Both from one reading of the snapshot (as clones in one process are made)
            RestorableSnapshot once = RestorableSnapshot.read(io.jvmm.machine.snapshot.SnapshotFiles.in(snap));
            try (Machine a = Machine.restore(h, once, io.jvmm.machine.snapshot.RestoreOptions.NONE,
                    new ByteArrayOutputStream(), System.nanoTime());
                 Machine b = Machine.restore(h, once, io.jvmm.machine.snapshot.RestoreOptions.NONE,
                         new ByteArrayOutputStream(), System.nanoTime())) {
                a.startPaused();
                b.startPaused();
                assertEquals(MachineState.PAUSED, a.state(), () -> a.state() == MachineState.STOPPED ? exitOf(a) : "");
                Thread.sleep(50);
                assertEquals(atSnapshot, counter(a), "a paused clone does not run");
                a.memory().writeLong(GuestAddress.of(MARK), 0xA);
                b.memory().writeLong(GuestAddress.of(MARK), 0xB);
                a.resume();
                awaitAbove(() -> counter(a), atSnapshot + 1000);
                assertEquals(atSnapshot, counter(b), "b has not run: a's counting is a's own");
                b.resume();
                awaitAbove(() -> counter(b), atSnapshot + 1000);
                assertEquals(0xA, a.memory().readLong(GuestAddress.of(MARK)));
                assertEquals(0xB, b.memory().readLong(GuestAddress.of(MARK)));
            }
            try (RandomAccessFile f = new RandomAccessFile(snap.resolve(StateFile.MEMORY_NAME).toFile(), "r")) {
                f.seek(COUNTER);
                assertEquals(atSnapshot, Long.reverseBytes(f.readLong()), "the memory file is never written");
                f.seek(MARK);
                assertEquals(0, f.readLong());
            }
        }
    }

    /** Echoes each console byte plus one, polling the 16550's LSR; see cli's SnapshotCliTest for the listing. */
    static final byte[] ECHO_GUEST = {(byte) 0xb8, 0x00, 0x00, 0x00, (byte) 0xc0, (byte) 0xc6, 0x00, 0x7b,
            0x66, (byte) 0xba, (byte) 0xfc, 0x03, (byte) 0xb0, 0x03, (byte) 0xee,
            0x66, (byte) 0xba, (byte) 0xfd, 0x03, (byte) 0xec, (byte) 0xa8, 0x01, 0x74, (byte) 0xfb,
            0x66, (byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xec, 0x3c, 0x71, 0x74, 0x05, (byte) 0xfe, (byte) 0xc0,
            (byte) 0xee, (byte) 0xeb, (byte) 0xe9, (byte) 0xf4};

    @Test
    void aRestoredGuestAnswersOnItsConsole() throws Exception {
        ExitPathProbeTest.assumeKvm();
        Path snap = dir.resolve("snap");
        MachineSpec spec = MachineSpec.builder().kernel(Files.write(dir.resolve("echo.bin"), ECHO_GUEST))
                .format(MachineSpec.KernelFormat.RAW)
                .rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, CODE))
                .memoryBytes(4L << 20).cpuProfile(CpuProfile.HARDWARE).build();
        try (Hypervisor h = Hypervisor.open()) {
            try (Machine m = Machine.build(h, spec, new ByteArrayOutputStream(), System.nanoTime())) {
                m.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (m.bootTime().isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "no boot timer");
                    Thread.sleep(5);
                }
                Thread.sleep(20);
                m.snapshot(snap, false);
            }
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (Machine clone = Machine.restore(h, snap, console, System.nanoTime())) {
                clone.start();
                byte[] typed = "abc".getBytes();
                int offered = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!console.toString().equals("bcd")) {
                    // The guest never enabled the FIFOs: the UART takes one byte at a time.
                    offered += clone.serial().offerInput(typed, offered, typed.length - offered);
                    clone.serial().flush();
                    assertTrue(System.nanoTime() < deadline, "console: '" + console + "', state " + clone.state()
                            + (clone.state() == MachineState.STOPPED ? ": " + exitOf(clone) : ""));
                    Thread.sleep(5);
                }
                while (clone.serial().offerInput("q".getBytes(), 0, 1) == 0) {
                    Thread.sleep(1);
                }
                assertEquals("all vCPUs halted", clone.awaitExit(Duration.ofSeconds(30)).reason());
            }
        }
    }

    @Test
    void aTruncatedMemoryFileIsRefusedBeforeAnythingIsBuilt() throws Exception {
        ExitPathProbeTest.assumeKvm();
        Path snap = dir.resolve("snap");
        try (Hypervisor h = Hypervisor.open()) {
            try (Machine m = Machine.build(h, spec(), new ByteArrayOutputStream(), System.nanoTime())) {
                m.start();
                awaitAbove(() -> counter(m), 10);
                m.snapshot(snap, true);
                assertEquals(MachineState.RUNNING, m.state());
            }
            try (RandomAccessFile f = new RandomAccessFile(snap.resolve(StateFile.MEMORY_NAME).toFile(), "rw")) {
                f.setLength(1L << 20);
            }
            SnapshotException e = assertThrows(SnapshotException.class,
                    () -> Machine.restore(h, snap, new ByteArrayOutputStream(), System.nanoTime()));
            assertTrue(e.getMessage().contains("memory.bin: 1048576 bytes, but guest memory is 4194304 bytes"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
