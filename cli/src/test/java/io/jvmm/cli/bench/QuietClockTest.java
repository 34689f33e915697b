package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class QuietClockTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void parsesTheRunQueueWaitOfASchedstatLine() {
        assertEquals(456, QuietClock.parseRunQueueWait("123 456 7\n"));
        assertThrows(IllegalArgumentException.class, () -> QuietClock.parseRunQueueWait("123 456"));
        assertThrows(NumberFormatException.class, () -> QuietClock.parseRunQueueWait("a b c"));
    }

    @Test
    void timeSpentWaitingForACpuIsNotQuiet(@TempDir Path dir) throws IOException {
        Path a = schedstat(dir, "a", "10 1000 1\n");
        Path b = schedstat(dir, "b", "10 2000 1\n");
        QuietClock clock = new QuietClock(() -> List.of(a, b));

        long output = 100 * S;
        // First sight of the output: the wait so far (3000 ns) becomes the baseline; quiet is wall time.
        assertEquals(S, clock.quietNanos(output, output + S));
        // The two vCPU threads then wait 1 s and 2 s for a CPU: 6 s of wall time is 3 s of quiet.
        Files.writeString(a, "10 " + (1000 + S) + " 5\n");
        Files.writeString(b, "10 " + (2000 + 2 * S) + " 5\n");
        assertEquals(3 * S, clock.quietNanos(output, output + 6 * S));
        assertEquals(3 * S, clock.waitedNanos());
        // Within the sampling period the files are not read again: the last reading holds.
        Files.writeString(a, "10 " + (1000 + 5 * S) + " 9\n");
        assertEquals(3 * S + 100 * MS, clock.quietNanos(output, output + 6 * S + 100 * MS));
        // After it they are (a waited 4 s more than the 6.3 s of wall time allow): quiet never goes below zero.
        assertEquals(0, clock.quietNanos(output, output + 6 * S + 300 * MS));
    }

    @Test
    void onCpuTimeSinceTheOutputIsReportedBesideTheQuietTime(@TempDir Path dir) throws IOException {
        Path a = schedstat(dir, "a", "500 0 1\n");
        Path b = schedstat(dir, "b", "700 0 1\n");
        QuietClock clock = new QuietClock(() -> List.of(a, b));
        assertEquals(S, clock.quietNanos(0, S));
        assertEquals(0, clock.ranNanos());
        // a ran 2 s, b 1 s after the output and neither waited: all 5 s are quiet, 3 s of it on a CPU.
        Files.writeString(a, (500 + 2 * S) + " 0 4\n");
        Files.writeString(b, (700 + S) + " 0 4\n");
        assertEquals(5 * S, clock.quietNanos(0, 5 * S));
        assertEquals(3 * S, clock.ranNanos());
        // A new output: on-CPU time counts from there.
        assertEquals(S, clock.quietNanos(6 * S, 7 * S));
        assertEquals(0, clock.ranNanos());
    }

    /** A schedstat file {@code name} in {@code dir} holding {@code line} (on-CPU ns, run-queue wait ns, time slices). */
    private static Path schedstat(Path dir, String name, String line) throws IOException {
        return Files.writeString(dir.resolve(name), line);
    }

    /** A /proc task directory's stat and wchan: a thread in {@code state}, asleep in {@code wchan} ("0" if not). */
    private static void task(Path dir, char state, String wchan) throws IOException {
        Files.writeString(dir.resolve("stat"), "101 (vcpu-0) " + state + " 1 2 3 4\n");
        Files.writeString(dir.resolve("wchan"), wchan);
    }

    @Test
    void withWchanOnlyTimeSeenHaltedCountsAsQuiet(@TempDir Path dir) throws IOException {
        Path t1 = Files.createDirectories(dir.resolve("task/101"));
        Path t2 = Files.createDirectories(dir.resolve("task/102"));
        for (Path t : List.of(t1, t2)) {
            Files.writeString(t.resolve("schedstat"), "0 0 0\n");
            task(t, 'R', "0");
        }
        QuietClock clock = new QuietClock(() -> List.of(t1.resolve("schedstat"), t2.resolve("schedstat")));
        // Runnable (waiting for a CPU or running), whatever schedstat says: not quiet.
        assertEquals(0, clock.quietNanos(0, S));
        task(t1, 'S', "kvm_vcpu_block");
        assertEquals(0, clock.quietNanos(0, 2 * S), "one vCPU of two halted");
        task(t2, 'S', "kvm_vcpu_block");
        assertEquals(0, clock.quietNanos(0, 3 * S), "halted from this reading on");
        assertEquals(2 * S, clock.quietNanos(0, 5 * S), "halted at both ends of 2 s");
        task(t2, 'R', "0");
        assertEquals(2 * S, clock.quietNanos(0, 9 * S));
        task(t2, 'D', "lock_mm_and_find_vma");
        assertEquals(2 * S, clock.quietNanos(0, 10 * S), "blocked in the host is not halted");
        task(t2, 'S', "kvm_vcpu_block");
        assertEquals(2 * S, clock.quietNanos(0, 11 * S));
        assertEquals(3 * S, clock.quietNanos(0, 12 * S));
        assertEquals(3 * S, clock.haltedNanos());
        // A new output: the halted time counts from there.
        assertEquals(0, clock.quietNanos(12 * S, 13 * S));
        assertEquals(S, clock.quietNanos(12 * S, 14 * S));
    }

    @Test
    void aHiddenWchanFallsBackToWallTimeLessWait(@TempDir Path dir) throws IOException {
        Path t = Files.createDirectories(dir.resolve("task/101"));
        Files.writeString(t.resolve("schedstat"), "0 0 0\n");
        task(t, 'S', "0"); // asleep, but the kernel does not say where
        QuietClock clock = new QuietClock(() -> List.of(t.resolve("schedstat")));
        assertEquals(S, clock.quietNanos(0, S));
        Files.writeString(t.resolve("schedstat"), "0 " + S + " 1\n");
        assertEquals(2 * S, clock.quietNanos(0, 3 * S));
    }

    @Test
    void aNewOutputStartsTheQuietTimeAgain(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Files.writeString(a, "0 0 0\n");
        QuietClock clock = new QuietClock(() -> List.of(a));
        assertEquals(S, clock.quietNanos(0, S));
        Files.writeString(a, "0 " + 2 * S + " 0\n");
        assertEquals(S, clock.quietNanos(0, 3 * S));
        // The guest printed at 4 s: the 2 s of wait before it are the new baseline, not subtracted again.
        assertEquals(S, clock.quietNanos(4 * S, 5 * S));
        assertEquals(3 * S, clock.quietNanos(4 * S, 7 * S));
    }

    @Test
    void withoutReadableFilesQuietIsWallTime(@TempDir Path dir) {
        QuietClock clock = new QuietClock(() -> List.of(dir.resolve("gone")));
        assertEquals(S, clock.quietNanos(0, S));
        assertEquals(7 * S, clock.quietNanos(0, 7 * S));
        // A process without threads named vcpu-N (this test's JVM, or a container) has no wait to take off.
        QuietClock self = QuietClock.ofProcess(ProcessHandle.current().pid());
        assertEquals(0, self.runQueueWaitNanos());
    }

    @Test
    void readsThisKernelsSchedstat() throws IOException {
        Path mine = Path.of("/proc/thread-self/schedstat");
        assumeTrue(Files.isReadable(mine), "this kernel has no per-thread schedstat (CONFIG_SCHEDSTATS)");
        long wait = QuietClock.parseRunQueueWait(Files.readString(mine));
        assertTrue(wait >= 0, "run-queue wait " + wait);
        assertEquals(wait, new QuietClock(() -> List.of(mine)).runQueueWaitNanos(), 50 * MS);
    }
}
