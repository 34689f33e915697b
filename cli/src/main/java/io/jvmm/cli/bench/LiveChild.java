package io.jvmm.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child process that stays alive while the benchmark talks to it: a restored jvmm guest or an
 * interactive container. Its stdin is a pipe the benchmark types into, its stdout goes through
 * {@link ConsoleMarkers} (which stamps the answer to {@link ConsoleMarkers#TYPED_COMMAND}), its stderr tail
 * is kept for error messages, and it runs in a memory cgroup of its own when one can be made.
 */
final class LiveChild implements AutoCloseable {
    private final Process process;
    private final MemoryCgroup cgroup;
    private final String cgroupNote;
    private final OutputStream stdin;
    private final ConsoleMarkers console = new ConsoleMarkers(null, System::nanoTime);
    private final Deque<String> errTail = new ArrayDeque<>();
    private final long startNanos;
    private final long startEpochNanos;
    private final Thread out;
    private final Thread err;
    private volatile long lastOutputNanos;
    private volatile int retypes;

    private LiveChild(List<String> cmd, MemoryCgroup cgroup, String cgroupNote, Consumer<String> lines) throws IOException {
        this.cgroup = cgroup;
        this.cgroupNote = cgroupNote;
        java.time.Instant epoch = java.time.Instant.now();
        this.startEpochNanos = epoch.getEpochSecond() * 1_000_000_000L + epoch.getNano();
        this.startNanos = System.nanoTime();
        this.lastOutputNanos = startNanos;
        this.process = new ProcessBuilder(cgroup != null ? cgroup.wrap(cmd) : cmd).start();
        this.stdin = process.getOutputStream();
        this.out = Thread.ofPlatform().name("live-stdout").daemon().start(() -> readLines(process.getInputStream(), l -> {
            lastOutputNanos = System.nanoTime();
            console.line(l);
            if (lines != null) {
                lines.accept(l);
            }
        }));
        this.err = Thread.ofPlatform().name("live-stderr").daemon().start(() -> readLines(process.getErrorStream(), l -> {
            synchronized (errTail) {
                errTail.addLast(l);
                if (errTail.size() > 20) {
                    errTail.removeFirst();
                }
            }
        }));
    }

    /**
     * Starts {@code cmd}, in a new memory cgroup {@code cgroupName} when not null and possible.
     *
     * @param cgroup a cgroup made by the caller (a container runtime needs its path first), or null
     */
    static LiveChild start(List<String> cmd, String cgroupName, MemoryCgroup cgroup) throws IOException {
        return start(cmd, cgroupName, cgroup, null);
    }

    /** As {@link #start(List, String, MemoryCgroup)}; {@code lines} also gets every stdout line. */
    static LiveChild start(List<String> cmd, String cgroupName, MemoryCgroup cgroup, Consumer<String> lines) throws IOException {
        StringBuilder why = new StringBuilder();
        MemoryCgroup cg = cgroup != null ? cgroup : cgroupName != null ? MemoryCgroup.create(cgroupName, why) : null;
        try {
            return new LiveChild(cmd, cg, why.toString(), lines);
        } catch (IOException | RuntimeException e) {
            if (cg != null && cgroup == null) {
                cg.close();
            }
            throw e;
        }
    }

    /** Types {@code line} and a newline into the child's stdin. */
    void type(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Closes stdin: an interactive shell reading it ends. */
    void closeInput() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /**
     * Waits until the child has answered the typed command, it ended, or {@code deadlineNanos} (nanoTime).
     * When it has printed nothing for {@link #RETYPE_AFTER_QUIET_NANOS} and not answered, the command is typed
     * again (counted in {@link #retypes()}): a guest restored from a snapshot taken before its shell was up can
     * lose what was typed before the shell read its terminal. Only the time the child's vCPU threads were seen
     * halted counts as quiet ({@link QuietClock}; a container has no vCPU threads: wall-clock time).
     *
     * @return the answer's time, nanoTime, or -1
     */
    long awaitReply(long deadlineNanos) throws InterruptedException, IOException {
        QuietClock quiet = QuietClock.ofProcess(process.pid());
        while (console.replyNanos() < 0 && process.isAlive() && System.nanoTime() - deadlineNanos < 0) {
            Thread.sleep(5);
            if (console.replyNanos() < 0 && quiet.quietNanos(lastOutputNanos, System.nanoTime()) > RETYPE_AFTER_QUIET_NANOS) {
                retypes++;
                lastOutputNanos = System.nanoTime();
                type(ConsoleMarkers.TYPED_COMMAND);
            }
        }
        if (console.replyNanos() < 0 && !process.isAlive()) {
            out.join(1000);   // the answer may be the last thing it printed
        }
        return console.replyNanos();
    }

    /** Asks the child to end: SIGTERM (its shutdown hooks run). */
    void terminate() {
        process.destroy();
    }

    /** Waits for the child to end by itself for up to {@code seconds}, then kills it and everything it started. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        out.join(2000);
        err.join(2000);
        return process.exitValue();
    }

    /** How long a guest that has not answered must be quiet before the command is typed again. */
    static final long RETYPE_AFTER_QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** How often {@link #awaitReply} typed the command again. */
    int retypes() {
        return retypes;
    }

    long startNanos() {
        return startNanos;
    }

    /** An epoch-ns instant reported by the child, as ms since the start. */
    double epochMs(long epochNanos) {
        return (epochNanos - startEpochNanos) / 1e6;
    }

    /** A nanoTime instant as ms since the start. */
    double ms(long nanos) {
        return (nanos - startNanos) / 1e6;
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    ConsoleMarkers console() {
        return console;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The cgroup's peak so far, KiB, or null (no cgroup). */
    Long cgroupPeakKiB() {
        try {
            return cgroup == null ? null : cgroup.peakKiB();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Why there is no cgroup ("" when there is one). */
    String cgroupNote() {
        return cgroupNote;
    }

    String stderrTail() {
        synchronized (errTail) {
            return String.join("\n", errTail);
        }
    }

    /** Kills what is still running and removes the cgroup. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cgroup != null) {
            cgroup.close();
        }
    }

    private static void readLines(InputStream in, Consumer<String> sink) {
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
