package io.jvmm.cli.bench;

import io.jvmm.cli.UserError;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.RestorableSnapshot;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code jvmm bench-clones --restore DIR --count N} (hidden; the density benchmark's "clones in one process"):
 * restores N clones of one snapshot in this one process (their RAM maps the same memory file privately, so
 * unwritten pages are shared page cache), types {@link ConsoleMarkers#TYPED_COMMAND} into each, prints
 * <pre>
 *   jvmm-clone I replied MS           (ms since this command started, one line per clone)
 *   jvmm-clones: all N replied MS
 * </pre>
 * (and {@code jvmm-clones: typed again into I} when clone I was quiet for 5 s without answering, counting only the
 * time its vCPU was seen halted: {@link QuietClock}; the line says what the clone and its UART were doing),
 * then keeps them running, idle, until its stdin ends, and stops and closes them all. The benchmark measures
 * this process from outside (its cgroup, smaps, CPU time).
 */
@Command(name = "bench-clones", hidden = true, description = "Restore N clones of a snapshot in one process (used by jvmm bench --density).")
public final class CloneHostCommand implements Callable<Integer> {
    static final String ALL_REPLIED = "jvmm-clones: all ";
    static final String RETYPED = "jvmm-clones: typed again into ";

    @Option(names = "--restore", required = true, paramLabel = "DIR")
    Path dir;

    @Option(names = "--count", required = true, paramLabel = "N")
    int count;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new UserError("--count must be at least 1");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        List<Machine> clones = new ArrayList<>();
        List<BenchTimings> timings = new ArrayList<>();
        try (Hypervisor hypervisor = Hypervisor.open()) {
            try {
                RestorableSnapshot snapshot;
                try {
                    snapshot = RestorableSnapshot.read(SnapshotFiles.in(dir));   // read and checked once for all clones
                } catch (SnapshotException e) {
                    throw new UserError(e.getMessage(), 1);
                }
                for (int i = 0; i < count; i++) {
                    Machine m;
                    try {
                        m = Machine.restore(hypervisor, snapshot, RestoreOptions.NONE, OutputStream.nullOutputStream(), t0);
                    } catch (SnapshotException e) {
                        throw new UserError("clone " + i + ": " + e.getMessage(), 1);
                    }
                    clones.add(m);
                    BenchTimings t = BenchTimings.collecting();
                    timings.add(t);
                    m.addListener(t);
                    m.start();
                }
                // Typed after all are running, each as fast as its UART takes it.
                for (Machine m : clones) {
                    if (!RestoreSystems.type(m, ConsoleMarkers.TYPED_COMMAND + "\n", deadline)) {
                        System.err.println("jvmm bench-clones: a clone did not take the typed command");
                        return 1;
                    }
                }
                List<QuietClock> quiet = new ArrayList<>();
                for (Machine m : clones) {
                    quiet.add(QuietClock.ofThreads(m::vcpuThreadIds));
                }
                boolean[] told = new boolean[count];
                int replied = 0;
                long last = 0;
                while (replied < count && System.nanoTime() - deadline < 0) {
                    for (int i = 0; i < count; i++) {
                        long r = timings.get(i).replyNanos();
                        if (!told[i] && r >= 0) {
                            told[i] = true;
                            replied++;
                            last = Math.max(last, r);
                            System.out.printf(Locale.ROOT, "jvmm-clone %d replied %.3f%n", i, (r - t0) / 1e6);
                        } else if (!told[i] && RestoreSystems.retypeDue(timings.get(i), quiet.get(i))) {
                            System.out.printf(Locale.ROOT, "%s%d (quiet without answering: %.1f s halted; %.1f s its vCPU waited for a host CPU, %.1f s it ran; %s; %s)%n",
                                    RETYPED, i, quiet.get(i).haltedNanos() / 1e9, quiet.get(i).waitedNanos() / 1e9,
                                    quiet.get(i).ranNanos() / 1e9,
                                    clones.get(i).serial().summary(),
                                    ProcFs.threadStates(clones.get(i).vcpuThreadIds()));
                            RestoreSystems.type(clones.get(i), ConsoleMarkers.TYPED_COMMAND + "\n", deadline);
                        } else if (!told[i] && clones.get(i).state() == MachineState.STOPPED) {
                            System.err.println("jvmm bench-clones: clone " + i + " stopped before it replied");
                            return 1;
                        }
                    }
                    System.out.flush();
                    Thread.sleep(2);
                }
                if (replied < count) {
                    System.err.println("jvmm bench-clones: " + (count - replied) + " clone(s) did not reply in " + timeoutSeconds + " s");
                    return 1;
                }
                System.out.printf(Locale.ROOT, "%s%d replied %.3f%n", ALL_REPLIED, count, (last - t0) / 1e6);
                System.out.flush();
                // Idle until told to end (stdin closed): the benchmark measures memory and CPU meanwhile.
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // nothing to do with input
                }
                return 0;
            } finally {
                for (Machine m : clones) {
                    m.stop(MachineExit.ok("bench-clones: done"));
                }
                for (Machine m : clones) {
                    try {
                        m.awaitExit(Duration.ofSeconds(10));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    m.close();
                }
            }
        } catch (IOException e) {
            throw new UserError("bench-clones: " + e.getMessage(), 1);
        }
    }
}
