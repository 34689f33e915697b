package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How long a guest has been quiet while it could run: the wall time since its last console output, less the time
 * its vCPU threads spent waiting for a host CPU meanwhile (the second field of {@code /proc/PID/task/TID/schedstat},
 * "time spent waiting on a runqueue", in nanoseconds).
 *
 * <p>The benchmark types its command again into a guest that stays quiet without answering: one restored from a
 * snapshot taken before its shell read the terminal can lose the line. But on a host with fifty guests on two
 * cores a guest is mostly quiet because it is waiting for a CPU, and typing again gives it the same work twice:
 * measured with 50 clones in one process before this clock, 47 retypes, each a second command the overloaded
 * guests then ran, during the idle period too. Counting only the time a guest could have run tells the two apart.
 *
 * <p>The run-queue wait is read at most every {@link #SAMPLE_NANOS}: soon after an output is first seen, and while
 * the quiet time is asked for; wait between an output and the first reading after it counts as quiet, so the clock
 * errs towards typing again, as the benchmark did before it. Without schedstat (a kernel without
 * CONFIG_SCHEDSTATS, a container's process without vCPU threads) the wait is 0: wall-clock quiet time.
 *
 * <p>Where the kernel shows where a thread sleeps ({@code /proc/PID/task/TID/wchan}), the quiet time is instead the
 * time the guest was seen halted: the wall time between two readings that both found every vCPU thread asleep in
 * KVM's halt (state S, wchan {@code kvm_vcpu_block} or another {@code kvm_vcpu_*}), since the output. Wall time less
 * run-queue wait misread starved guests as idle: schedstat adds a wait only once the thread gets the CPU, and the
 * first reading after an output comes late when the thread asking is starved as well — 50 clones under load
 * were typed into again with their RX FIFO empty and their vCPU runnable, 0.0 s of wait and 0.0 s on a CPU
 * counted over 5 s (docs/benchmarks.md). A guest that lost its input sleeps in HLT and is typed into again; one
 * that waits for a CPU, runs, or is blocked in the host (page faults, locks) is not.
 */
final class QuietClock {
    static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Supplier<List<Path>> schedstatFiles;
    private long outputSeen = Long.MIN_VALUE;   // the lastOutputNanos of the previous call
    private long waitAtOutput;                   // run-queue wait read soon after that output, ns
    private long readAt = Long.MIN_VALUE;        // nanoTime of the last reading
    private long waited;                         // run-queue wait since the output, as of the last reading
    private long ranAtOutput;                    // on-CPU time read soon after that output, ns
    private long ran;                            // on-CPU time since the output, as of the last reading
    private boolean haltUnknown;                 // a reading could not tell halted from not (no wchan): wall - wait
    private boolean wasHalted;                   // every vCPU thread halted at the last reading
    private long halted;                         // time between readings that both saw every vCPU halted, since the output

    /** @param schedstatFiles the schedstat files of the guest's vCPU threads, asked for at every reading */
    QuietClock(Supplier<List<Path>> schedstatFiles) {
        this.schedstatFiles = schedstatFiles;
    }

    /** The clock of the vCPU threads {@code tids} of this process (a machine restored in this JVM). */
    static QuietClock ofThreads(Supplier<List<Integer>> tids) {
        return new QuietClock(() -> {
            List<Path> files = new ArrayList<>();
            for (int tid : tids.get()) {
                files.add(Path.of("/proc/self/task", Integer.toString(tid), "schedstat"));
            }
            return files;
        });
    }

    /** The clock of the threads named {@code vcpu-N} of process {@code pid} (a {@code jvmm run --restore} child). */
    static QuietClock ofProcess(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        List<Path> found = new ArrayList<>();   // the vCPU threads live as long as the VM: looked up until found
        return new QuietClock(() -> {
            if (!found.isEmpty()) {
                return found;
            }
            List<Path> files = found;
            try (var dirs = Files.list(tasks)) {
                for (Path task : (Iterable<Path>) dirs::iterator) {
                    try {
                        if (Files.readString(task.resolve("comm")).strip().startsWith("vcpu-")) {
                            files.add(task.resolve("schedstat"));
                        }
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                // the process ended: no threads, no wait
            }
            return files;
        });
    }

    /**
     * Nanoseconds since {@code lastOutputNanos} (nanoTime of the guest's last output) at {@code nowNanos}, less the
     * vCPU threads' run-queue wait since then. Reads the threads' schedstat at most every {@link #SAMPLE_NANOS}, so
     * it can be asked in a tight loop over many guests. Call from one thread.
     */
    long quietNanos(long lastOutputNanos, long nowNanos) {
        long wall = nowNanos - lastOutputNanos;
        boolean due = readAt == Long.MIN_VALUE || nowNanos - readAt >= SAMPLE_NANOS;
        if (lastOutputNanos != outputSeen) {
            if (due) {
                outputSeen = lastOutputNanos;
                long[] t = schedstatTotals();
                waitAtOutput = t[1];
                ranAtOutput = t[0];
                waited = 0;
                ran = 0;
                halted = 0;
                wasHalted = readHalted();
                readAt = nowNanos;
            }
            return haltUnknown ? wall : 0;
        }
        if (due) {
            long[] t = schedstatTotals();
            waited = Math.max(0, t[1] - waitAtOutput);
            ran = Math.max(0, t[0] - ranAtOutput);
            boolean h = readHalted();
            if (h && wasHalted) {
                halted += nowNanos - readAt;
            }
            wasHalted = h;
            readAt = nowNanos;
        }
        return haltUnknown ? Math.max(0, wall - waited) : halted;
    }

    /** The halted time since the last output that {@link #quietNanos} counted, as of its last reading, ns. */
    long haltedNanos() {
        return halted;
    }

    /**
     * Whether every vCPU thread sleeps in KVM's halt (state S, wchan {@code kvm_vcpu_*}: the guest executed HLT and
     * waits for an interrupt). Sets {@link #haltUnknown} when the threads' stat or wchan cannot tell: a thread
     * asleep with wchan "0" (the kernel hides it), a file that cannot be read, no thread.
     */
    private boolean readHalted() {
        List<Path> files = schedstatFiles.get();
        boolean all = !files.isEmpty();
        for (Path f : files) {
            Path task = f.getParent();
            try {
                String stat = Files.readString(task.resolve("stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                String wchan = Files.readString(task.resolve("wchan")).strip();
                if (state == 'S' && wchan.startsWith("kvm_vcpu_")) {
                    continue;
                }
                if (state == 'S' && (wchan.isEmpty() || wchan.equals("0"))) {
                    haltUnknown = true;
                }
                all = false;
            } catch (IOException | RuntimeException e) {
                haltUnknown = true;
                all = false;
            }
        }
        if (files.isEmpty()) {
            haltUnknown = true;
        }
        return all;
    }

    /** The run-queue wait since the last output that {@link #quietNanos} took off, as of its last reading, ns. */
    long waitedNanos() {
        return waited;
    }

    /**
     * The on-CPU time since the last output, as of the last reading of {@link #quietNanos}, ns: with the quiet time
     * it tells a guest that was busy (its vCPU ran: emulated kernel work) from one that slept (its vCPU halted, or
     * blocked in the host) while it did not answer.
     */
    long ranNanos() {
        return ran;
    }

    /** The run-queue wait of the threads, summed, in nanoseconds (0 for a file that cannot be read). */
    long runQueueWaitNanos() {
        return schedstatTotals()[1];
    }

    /** The threads' on-CPU time and run-queue wait, each summed, ns (a file that cannot be read adds nothing). */
    private long[] schedstatTotals() {
        long[] sum = new long[2];
        for (Path f : schedstatFiles.get()) {
            try {
                String line = Files.readString(f);
                long wait = parseRunQueueWait(line);
                sum[0] += Long.parseLong(line.strip().split("\\s+")[0]);
                sum[1] += wait;
            } catch (IOException | IllegalArgumentException e) {
                // the thread ended, or no schedstat: no wait known
            }
        }
        return sum;
    }

    /** The second of the three numbers of a schedstat line: "on-CPU ns, run-queue wait ns, time slices". */
    static long parseRunQueueWait(String schedstat) {
        String[] f = schedstat.strip().split("\\s+");
        if (f.length < 3) {
            throw new IllegalArgumentException("not a schedstat line: '" + schedstat.strip() + "'");
        }
        return Long.parseLong(f[1]);
    }
}
