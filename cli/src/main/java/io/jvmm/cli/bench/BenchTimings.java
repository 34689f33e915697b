package io.jvmm.cli.bench;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestRegion;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The benchmark's {@link MachineListener}: the times of a machine's phases and its memory when it ended,
 * measured inside the process where they happen. Two uses:
 * <ul>
 *   <li>{@code jvmm run --timings-json FILE} (a hidden option, for the cold runs of {@code jvmm bench})
 *       registers {@link #writingTo} and the child writes a small JSON file when the machine ends, before it
 *       is torn down;</li>
 *   <li>the warm runs register {@link #collecting()} on machines built inside the benchmark's JVM and read
 *       {@link #events()} and {@link #memory()} afterwards.</li>
 * </ul>
 *
 * <pre>
 * { "clock": "epoch-ns",
 *   "events": { "build-start", "first-run", "first-exit", "first-output", "init-ready", "boot-timer",
 *               "guest-exit" : epoch nanoseconds (absent when it did not happen) },
 *   "status": exit status, "exits": vCPU exits, "guestRamBytes": n,
 *   "memory": { "totalRssKiB", "guestRssKiB", "vmmRssKiB" }, "cpuMs": user+system so far }
 * </pre>
 * Times are wall-clock (epoch) nanoseconds in the file so that the parent, on the same host, can put them
 * on its own time line; {@link System#nanoTime()} readings are converted with one offset taken at the end.
 */
public final class BenchTimings implements MachineListener {
    private final Path file;   // null: collect only
    private final ConsoleMarkers console = new ConsoleMarkers(null, System::nanoTime);
    private volatile long firstRunNanos;
    private volatile long firstExitNanos;
    private volatile long lastOutputNanos = System.nanoTime();
    private volatile BootTimer.BootTime bootTime;
    private volatile Ended ended;

    /** What was read when the machine ended: times on the {@link System#nanoTime()} clock. */
    private record Ended(long buildStartNanos, long exitNanos, int status, long exits, long guestRamBytes,
                         ProcFs.MemoryReading memory, String memoryError, long cpuMs) {
    }

    private BenchTimings(Path file) {
        this.file = file;
    }

    /** The listener for {@code jvmm run --timings-json FILE}: writes {@code file} when the machine ends. */
    public static MachineListener writingTo(Path file) {
        return new BenchTimings(Objects.requireNonNull(file, "file"));
    }

    /** A listener that only records, for machines run inside the benchmark's JVM. */
    static BenchTimings collecting() {
        return new BenchTimings(null);
    }

    @Override
    public void firstRun(long nanoTime) {
        firstRunNanos = nanoTime;
    }

    @Override
    public void firstGuestExit(long nanoTime) {
        firstExitNanos = nanoTime;
    }

    @Override
    public void consoleOutput(byte[] data, int offset, int length) {
        lastOutputNanos = System.nanoTime();
        try {
            console.write(data, offset, length);
        } catch (IOException e) {
            throw new IllegalStateException("the markers pass nothing on, so nothing can fail", e);
        }
    }

    @Override
    public void bootTimerFired(BootTimer.BootTime time) {
        bootTime = time;
    }

    /** Reads memory and CPU while the guest RAM is still mapped, then writes the file (never throws). */
    @Override
    public void exited(Machine machine, MachineExit exit) {
        long exitNanos = System.nanoTime();
        ProcFs.MemoryReading mem = null;
        String memoryError = null;
        try {
            mem = ProcFs.measure(ProcessHandle.current().pid(), ProcFs.overlapping(guestRanges(machine)));
        } catch (IOException e) {
            memoryError = e.getMessage();
        }
        ended = new Ended(machine.buildStartNanos(), exitNanos, exit.status(), machine.exitCount(),
                machine.memory().totalSize(), mem, memoryError, ProcFs.selfCpuMs());
        if (file != null) {
            try {
                Map<String, Object> report = report();
                // What this reading cost the run (reading /proc/self/smaps alone took 30-80 ms on a busy
                // 2-core host) and the first JSON rendering (jackson-core's classes, which the run AOT cache does
                // not hold: 20-40 ms): the parent takes it off the process-exit time, so the bench does not
                // charge jvmm for being measured. Only the second rendering and the file write stay counted.
                report.put("reportNanos", 0L);
                BenchJson.writeStreaming(report);
                report.put("reportNanos", System.nanoTime() - exitNanos);
                Files.writeString(file, BenchJson.writeStreaming(report));
            } catch (IOException | RuntimeException e) {
                System.err.println("jvmm: cannot write --timings-json " + file + ": " + e.getMessage());
            }
        }
    }

    /**
     * The events that happened, in time order, on the {@link System#nanoTime()} clock: build-start,
     * first-run, first-exit, first-output, init-ready, boot-timer, guest-exit (the last three only once the
     * machine ended and was reported).
     */
    Map<String, Long> events() {
        Ended e = ended;
        Map<String, Long> events = new LinkedHashMap<>();
        if (e != null) {
            events.put("build-start", e.buildStartNanos());
        }
        if (firstRunNanos != 0) {
            events.put("first-run", firstRunNanos);
        }
        if (firstExitNanos != 0) {
            events.put("first-exit", firstExitNanos);
        }
        if (console.firstByteNanos() >= 0) {
            events.put("first-output", console.firstByteNanos());
        }
        if (console.readyNanos() >= 0) {
            events.put("init-ready", console.readyNanos());
        }
        if (console.replyNanos() >= 0) {
            events.put("reply", console.replyNanos());
        }
        BootTimer.BootTime boot = bootTime;
        if (e != null && boot != null) {
            events.put("boot-timer", e.buildStartNanos() + boot.sinceBuildStart().toNanos());
        }
        if (e != null) {
            events.put("guest-exit", e.exitNanos());
        }
        return events;
    }

    /**
     * An in-process run's sample events: each of {@link #events()} in ms since {@code t0} (the run's zero,
     * so build-start is left out), then "exit" at {@code endNanos}.
     */
    Map<String, Double> eventsMsSince(long t0, long endNanos) {
        Map<String, Double> ms = new LinkedHashMap<>();
        events().forEach((name, nanos) -> {
            if (!name.equals("build-start")) {
                ms.put(name, (nanos - t0) / 1e6);
            }
        });
        ms.put("exit", (endNanos - t0) / 1e6);
        return ms;
    }

    /** The memory reading taken when the machine ended, or null (not ended, or smaps unreadable). */
    ProcFs.MemoryReading memory() {
        Ended e = ended;
        return e == null ? null : e.memory();
    }

    /** When the guest last wrote to its console (or this listener was made), nanoTime. */
    long lastOutputNanos() {
        return lastOutputNanos;
    }

    /** Restarts the quiet clock (the benchmark typed again); always true. */
    boolean markRetyped() {
        lastOutputNanos = System.nanoTime();
        return true;
    }

    /** When the guest answered {@link ConsoleMarkers#TYPED_COMMAND}, nanoTime, or -1. */
    long replyNanos() {
        return console.replyNanos();
    }

    /** The guest's last complete console line (for progress output). */
    String lastConsoleLine() {
        return console.lastLine();
    }

    private Map<String, Object> report() {
        Ended e = ended;
        Instant now = Instant.now();
        long epochNow = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long offset = epochNow - System.nanoTime();   // epoch = nanoTime + offset

        Map<String, Object> events = new LinkedHashMap<>();
        events().forEach((name, nanos) -> events.put(name, nanos + offset));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clock", "epoch-ns");
        m.put("events", events);
        m.put("status", e.status());
        m.put("exits", e.exits());
        m.put("guestRamBytes", e.guestRamBytes());
        if (e.memory() != null) {
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("totalRssKiB", e.memory().totalRssKiB());
            mem.put("guestRssKiB", e.memory().guestRssKiB());
            mem.put("vmmRssKiB", e.memory().vmmRssKiB());
            mem.put("guestWrittenKiB", e.memory().guestWrittenKiB());
            m.put("memory", mem);
        } else {
            m.put("memoryError", e.memoryError());
        }
        m.put("cpuMs", e.cpuMs());
        return m;
    }

    /** Host address ranges of guest RAM, {start, end}. */
    static List<long[]> guestRanges(Machine machine) {
        List<long[]> ranges = new ArrayList<>();
        for (GuestRegion r : machine.memory().regions()) {
            long start = r.backing().address();
            ranges.add(new long[] {start, start + r.backing().byteSize()});
        }
        return ranges;
    }
}
