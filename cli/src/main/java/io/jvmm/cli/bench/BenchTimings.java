package io.jvmm.cli.bench;

import io.jvmm.machine.Machine;
import io.jvmm.core.memory.GuestRegion;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hook {@code jvmm run --timings-json FILE} uses (a hidden option, for {@code jvmm bench}): a cold
 * jvmm reports its own phase times and memory, measured inside the process where they happen, in a small
 * JSON file written just before the machine is torn down.
 *
 * <pre>
 * { "clock": "epoch-ns",
 *   "events": { "build-start", "first-run", "first-exit", "first-output", "init-ready", "boot-timer",
 *               "guest-exit" : epoch nanoseconds (absent when it did not happen) },
 *   "status": exit status, "exits": vCPU exits, "guestRamBytes": n,
 *   "memory": { "totalRssKiB", "guestRssKiB", "vmmRssKiB" }, "cpuMs": user+system so far }
 * </pre>
 * Times are wall-clock (epoch) nanoseconds so that the parent, on the same host, can put them on its own
 * time line; {@link System#nanoTime()} readings are converted with one offset taken at the end.
 */
public final class BenchTimings {
    private static final BenchTimings OFF = new BenchTimings(null);

    private final Path file;
    private ConsoleMarkers console;

    private BenchTimings(Path file) {
        this.file = file;
    }

    /** Starts recording; a null file records nothing. */
    public static BenchTimings start(Path file) {
        return file == null ? OFF : new BenchTimings(file);
    }

    /** Wraps the console stream to time the first output byte and the /init ready line. */
    public OutputStream watch(OutputStream consoleOut) {
        if (file == null) {
            return consoleOut;
        }
        console = new ConsoleMarkers(consoleOut, System::nanoTime);
        return console;
    }

    /** Writes the file (the machine is still built: its guest RAM is still mapped). Never throws. */
    public void finish(Machine machine, int status) {
        if (file == null) {
            return;
        }
        try {
            Files.writeString(file, Json.write(report(machine, status)));
        } catch (IOException | RuntimeException e) {
            System.err.println("jvmm: cannot write --timings-json " + file + ": " + e.getMessage());
        }
    }

    private Map<String, Object> report(Machine machine, int status) {
        long exitNanos = System.nanoTime();
        Instant now = Instant.now();
        long epochNow = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long offset = epochNow - exitNanos;   // epoch = nanoTime + offset

        Map<String, Object> events = new LinkedHashMap<>();
        events.put("build-start", machine.buildStartNanos() + offset);
        if (machine.firstRunNanos() != 0) {
            events.put("first-run", machine.firstRunNanos() + offset);
        }
        if (machine.stats().firstExitNanos() != 0) {
            events.put("first-exit", machine.stats().firstExitNanos() + offset);
        }
        if (console != null && console.firstByteNanos() >= 0) {
            events.put("first-output", console.firstByteNanos() + offset);
        }
        if (console != null && console.readyNanos() >= 0) {
            events.put("init-ready", console.readyNanos() + offset);
        }
        machine.bootTime().ifPresent(t -> events.put("boot-timer",
                machine.buildStartNanos() + t.sinceBuildStart().toNanos() + offset));
        events.put("guest-exit", exitNanos + offset);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clock", "epoch-ns");
        m.put("events", events);
        m.put("status", status);
        m.put("exits", machine.stats().total());
        m.put("guestRamBytes", machine.vm().memory().totalSize());
        try {
            ProcFs.MemoryReading r = ProcFs.measure(ProcessHandle.current().pid(), ProcFs.overlapping(guestRanges(machine)));
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("totalRssKiB", r.totalRssKiB());
            mem.put("guestRssKiB", r.guestRssKiB());
            mem.put("vmmRssKiB", r.vmmRssKiB());
            m.put("memory", mem);
        } catch (IOException e) {
            m.put("memoryError", e.getMessage());
        }
        m.put("cpuMs", ProcFs.selfCpuMs());
        return m;
    }

    /** Host address ranges of guest RAM, {start, end}. */
    static List<long[]> guestRanges(Machine machine) {
        List<long[]> ranges = new ArrayList<>();
        for (GuestRegion r : machine.vm().memory().regions()) {
            long start = r.backing().address();
            ranges.add(new long[] {start, start + r.backing().byteSize()});
        }
        return ranges;
    }
}
