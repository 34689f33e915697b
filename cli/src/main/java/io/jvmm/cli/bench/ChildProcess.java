package io.jvmm.cli.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs one measured command as a child process and times it from just before it is spawned:
 * stdout lines go through {@link ConsoleMarkers} (first output, /init ready), stderr is kept for error
 * messages, the command runs in its own memory cgroup when possible, and its host CPU time is the growth
 * of this process's "children" CPU time (/proc/self/stat cutime + cstime, which the kernel adds when the
 * child is reaped: it covers the child and every descendant it waited for).
 */
final class ChildProcess {
    /** The outcome of one run; times in nanoseconds on this JVM's {@link System#nanoTime()} clock. */
    record Result(long startNanos, long startEpochNanos, long exitNanos, int status, boolean timedOut,
                  ConsoleMarkers console, String stderrTail, long cpuMs, Long cgroupPeakKiB, String cgroupNote,
                  ProcFs.MemoryReading peakReading) {
        double ms(long nanos) {
            return nanos < 0 ? Double.NaN : (nanos - startNanos) / 1e6;
        }

        /** An epoch-ns instant reported by the child, as ms since the start. */
        double epochMs(long epochNanos) {
            return (epochNanos - startEpochNanos) / 1e6;
        }
    }

    private ChildProcess() {
    }

    /**
     * @param cmd            the command
     * @param cgroupName     a memory cgroup to create and run it in, or null
     * @param guestRam       when non-null, poll the process's smaps every 200 ms while it runs and keep the
     *                       reading with the largest resident set (guest RAM picked by this predicate)
     * @param timeoutSeconds kill it after this long
     * @param progress       told the last console line now and then
     */
    static Result run(List<String> cmd, String cgroupName, Predicate<ProcFs.Mapping> guestRam, long timeoutSeconds,
                      Progress progress) throws IOException, InterruptedException {
        StringBuilder why = new StringBuilder();
        MemoryCgroup cg = cgroupName != null ? MemoryCgroup.create(cgroupName, why) : null;
        try {
            return run(cmd, cg, why.toString(), guestRam, timeoutSeconds, progress);
        } finally {
            if (cg != null) {
                cg.close();
            }
        }
    }

    static Result run(List<String> cmd, MemoryCgroup cg, String cgroupWhy, Predicate<ProcFs.Mapping> guestRam,
                      long timeoutSeconds, Progress progress) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cg != null ? cg.wrap(cmd) : cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        ConsoleMarkers console = new ConsoleMarkers(null, System::nanoTime);
        Deque<String> errTail = new ArrayDeque<>();
        long cpuBefore = ProcFs.childrenCpuMs();
        Instant startEpoch = Instant.now();
        long start = System.nanoTime();
        Process p = pb.start();
        Thread out = Thread.ofPlatform().name("bench-stdout").daemon().start(() -> readLines(p.getInputStream(), console::line));
        Thread err = Thread.ofPlatform().name("bench-stderr").daemon().start(() -> readLines(p.getErrorStream(), l -> {
            synchronized (errTail) {
                errTail.addLast(l);
                if (errTail.size() > 20) {
                    errTail.removeFirst();
                }
            }
        }));
        ProcFs.MemoryReading peak = null;
        long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long nextProgress = start + TimeUnit.SECONDS.toNanos(30);
        boolean timedOut = false;
        while (!p.waitFor(guestRam != null ? 200 : 1000, TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            if (guestRam != null) {
                try {
                    ProcFs.MemoryReading r = ProcFs.measure(p.pid(), guestRam);
                    if (peak == null || r.totalRssKiB() > peak.totalRssKiB()) {
                        peak = r;
                    }
                } catch (IOException | RuntimeException e) {
                    // the process is ending: keep the last reading
                }
            }
            if (now - deadline > 0) {
                timedOut = true;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                break;
            }
            if (now - nextProgress > 0) {
                progress.still((now - start) / 1e9, console.lastLine());
                nextProgress = now + TimeUnit.SECONDS.toNanos(30);
            }
        }
        long exit = System.nanoTime();
        out.join(2000);
        err.join(2000);
        long cpu = ProcFs.childrenCpuMs() - cpuBefore;
        Long cgPeak = null;
        String cgNote = cgroupWhy;
        if (cg != null) {
            try {
                cgPeak = cg.peakKiB();
            } catch (IOException | RuntimeException e) {
                cgNote = "cgroup peak unreadable: " + e.getMessage();
            }
        }
        String tail;
        synchronized (errTail) {
            tail = String.join("\n", errTail);
        }
        return new Result(start, startEpoch.getEpochSecond() * 1_000_000_000L + startEpoch.getNano(), exit,
                timedOut ? -1 : p.exitValue(), timedOut, console, tail, cpu, cgPeak, cgNote, peak);
    }

    private static void readLines(InputStream in, java.util.function.Consumer<String> sink) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
            String l;
            while ((l = r.readLine()) != null) {
                sink.accept(l);
            }
        } catch (IOException e) {
            // the child closed its end
        }
    }
}
