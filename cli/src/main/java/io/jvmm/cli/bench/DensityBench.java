package io.jvmm.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measured density ({@code jvmm bench --density N}): N live instances of one system at a time, each answering
 * a typed command ({@link ConsoleMarkers#TYPED_COMMAND}), then held idle, then stopped. For each system:
 * <ul>
 *   <li>the time from the first start until all N have answered;</li>
 *   <li>host memory: MemAvailable just before the start against MemAvailable at the end of the idle period,
 *       and the sum of the instances' memory cgroup peaks;</li>
 *   <li>idle CPU: the CPU time (user + system, /proc/PID/stat) of every process of the N instances over the
 *       idle period, per instance, as a percentage of one core.</li>
 * </ul>
 * Systems: {@code jvmm-clones} (one {@code jvmm bench-clones} process restores N clones of the snapshot),
 * {@code jvmm-processes} (N {@code jvmm run --restore} processes), {@code crun} and {@code runc} (N containers
 * of the image's bundle whose /init runs {@code sh} on the container's stdin).
 */
final class DensityBench {
    static final List<String> SYSTEMS = List.of("jvmm-clones", "jvmm-processes", "crun", "runc");

    private final BenchSystem.Setup setup;
    private final GuestSnapshot snapshot;
    private final int count;
    private final double idleSeconds;
    private final Progress progress;

    DensityBench(BenchSystem.Setup setup, GuestSnapshot snapshot, int count, double idleSeconds, Progress progress) {
        this.setup = setup;
        this.snapshot = snapshot;
        this.count = count;
        this.idleSeconds = idleSeconds;
        this.progress = progress;
    }

    /**
     * One system's measured density; a field is null where it was not measured.
     *
     * @param allRepliedMs          first start to the last instance's answer
     * @param repliesMs             each instance's answer, ms since the first start
     * @param retypes               how often the command was typed again into a quiet instance that had not answered
     * @param memAvailableBeforeKiB host MemAvailable just before the first start
     * @param memAvailableAfterKiB  host MemAvailable at the end of the idle period (all N running)
     * @param cgroupPeakSumKiB      sum of the instances' memory cgroup peaks (one cgroup for the clone process)
     * @param idleCpuMs             CPU time of all N over the idle period
     * @param guestRssKiB           jvmm: resident guest RAM of all N at the end of the idle period (shared page
     *                              cache of the memory file counted once per mapping)
     * @param guestWrittenKiB  jvmm: of that, the pages the guests wrote (private copies)
     * @param vmmRssKiB             jvmm: resident memory of the VMM process(es) other than guest RAM
     */
    record Result(String id, String title, String method, String unavailable, String error, int instances,
                  double idleSeconds, Double allRepliedMs, List<Double> repliesMs, int retypes, Long memAvailableBeforeKiB,
                  Long memAvailableAfterKiB, Long cgroupPeakSumKiB, Long idleCpuMs, Long guestRssKiB,
                  Long guestWrittenKiB, Long vmmRssKiB) {
        /** Host memory the N took: the fall of MemAvailable. */
        Long hostMemoryKiB() {
            return memAvailableBeforeKiB == null || memAvailableAfterKiB == null ? null
                    : memAvailableBeforeKiB - memAvailableAfterKiB;
        }

        Double perInstanceKiB() {
            Long h = hostMemoryKiB();
            return h == null ? null : (double) h / instances;
        }

        Double cgroupPeakPerInstanceKiB() {
            return cgroupPeakSumKiB == null ? null : (double) cgroupPeakSumKiB / instances;
        }

        Double writtenPerInstanceKiB() {
            return guestWrittenKiB == null ? null : (double) guestWrittenKiB / instances;
        }

        /** Instances per GiB of host memory at the measured (MemAvailable) cost per instance. */
        Double instancesPerGiB() {
            Double p = perInstanceKiB();
            return p == null || p <= 0 ? null : (1024.0 * 1024.0) / p;
        }

        /**
         * Instances per GiB at the cost the instances' own memory cgroups measured (their peaks ÷ N): unlike
         * MemAvailable it does not move with other work on the host, but it leaves out page cache charged
         * elsewhere (the snapshot's memory file, one copy for all clones).
         */
        Double instancesPerGiBByCgroupPeaks() {
            Double p = cgroupPeakPerInstanceKiB();
            return p == null || p <= 0 ? null : (1024.0 * 1024.0) / p;
        }

        /** Idle CPU per instance, percent of one core. */
        Double idleCpuPercentPerInstance() {
            return idleCpuMs == null ? null : cpuPercent(idleCpuMs, idleSeconds * 1000, instances);
        }

        boolean measured() {
            return unavailable == null && error == null && allRepliedMs != null;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("title", title);
            m.put("method", method);
            m.put("unavailable", unavailable);
            m.put("error", error);
            m.put("instances", instances);
            m.put("idleSeconds", idleSeconds);
            m.put("allRepliedMs", allRepliedMs);
            m.put("repliesMs", repliesMs);
            m.put("retypes", retypes);
            m.put("memAvailableBeforeKiB", memAvailableBeforeKiB);
            m.put("memAvailableAfterKiB", memAvailableAfterKiB);
            m.put("hostMemoryKiB", hostMemoryKiB());
            m.put("perInstanceKiB", perInstanceKiB());
            m.put("cgroupPeakSumKiB", cgroupPeakSumKiB);
            m.put("cgroupPeakPerInstanceKiB", cgroupPeakPerInstanceKiB());
            m.put("guestRssKiB", guestRssKiB);
            m.put("guestWrittenKiB", guestWrittenKiB);
            m.put("guestWrittenPerInstanceKiB", writtenPerInstanceKiB());
            m.put("vmmRssKiB", vmmRssKiB);
            m.put("instancesPerGiB", instancesPerGiB());
            m.put("instancesPerGiBByCgroupPeaks", instancesPerGiBByCgroupPeaks());
            m.put("idleCpuMs", idleCpuMs);
            m.put("idleCpuPercentPerInstance", idleCpuPercentPerInstance());
            return m;
        }
    }

    /**
     * The clone host's young generation ({@code -Xmn}). A JVM that hosts many VMs keeps almost nothing on its heap
     * (a restored clone: ~1 MiB of live objects, none allocated while it idles), but the serial collector's
     * default young generation on this kind of host is ~113 MiB, and the garbage of start-up (state file,
     * class loading) fills it once and stays resident because no collection ever runs: measured by hand
     * (bench-clones of 1 clone, restore AOT cache) 29 MiB of eden in use, 62 MiB anonymous RSS; with 8 MiB
     * of young generation the start-up garbage is collected in a few ~2 ms pauses.
     */
    static final String CLONE_HOST_YOUNG_GEN = "8m";

    /**
     * The command that starts the clone host: {@code javaCommand} with the restore AOT cache (as the cold
     * restores use it, {@link JvmmSystems#restoreCommand}) and {@code -Xmn}{@link #CLONE_HOST_YOUNG_GEN} before the
     * module path, unless the options already size the young generation.
     */
    static List<String> cloneHostCommand(List<String> javaCommand) {
        List<String> cmd = JvmmSystems.restoreCommand(javaCommand);
        boolean sized = cmd.stream().anyMatch(a -> a.startsWith("-Xmn") || a.startsWith("-XX:NewSize=") || a.startsWith("-XX:MaxNewSize="));
        if (!sized) {
            cmd.add(1, "-Xmn" + CLONE_HOST_YOUNG_GEN);
        }
        return cmd;
    }

    /** {@code cpuMs} of CPU over {@code wallMs} shared by {@code instances}: percent of one core each. */
    static double cpuPercent(long cpuMs, double wallMs, int instances) {
        if (wallMs <= 0 || instances <= 0) {
            throw new IllegalArgumentException("wall time and instances must be positive");
        }
        return 100.0 * cpuMs / wallMs / instances;
    }

    String title(String id) {
        return switch (id) {
            case "jvmm-clones" -> count + " jvmm clones in one process";
            case "jvmm-processes" -> count + " jvmm processes (one restore each)";
            default -> count + " " + id + " containers";
        };
    }

    String method(String id) {
        return switch (id) {
            case "jvmm-clones" -> "one `jvmm bench-clones` process (JVM options as ./jvmm's `run --restore`, its restore AOT "
                    + "cache, and a young generation of " + CLONE_HOST_YOUNG_GEN + ", in one memory cgroup) restores "
                    + "the snapshot N times with Machine.restore; every clone maps the memory file MAP_PRIVATE, so the "
                    + "pages no guest wrote are one copy in the page cache";
            case "jvmm-processes" -> "N `jvmm run --restore` processes of the same snapshot, started together, each in its "
                    + "own memory cgroup";
            default -> "N `" + id + " run` of the image's OCI bundle, started together, each in its own memory cgroup; "
                    + "/init runs `sh` on the container's stdin (JVMM_CMD=sh), which answers the typed command and then "
                    + "waits for more input";
        };
    }

    Result run(String id) {
        String unavailable = switch (id) {
            case "crun", "runc" -> new ContainerSystem(setup, id).unavailable();
            default -> null;
        };
        if (unavailable != null) {
            progress.note("density " + id + ": not run: " + unavailable);
            return new Result(id, title(id), method(id), unavailable, null, count, idleSeconds, null, List.of(), 0, null, null,
                    null, null, null, null, null);
        }
        List<LiveChild> children = new ArrayList<>();
        try {
            return measure(id, children);
        } catch (Exception e) {
            String error = e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.note("density " + id + ": stopped: " + error);
            return new Result(id, title(id), method(id), null, error, count, idleSeconds, null, List.of(), 0, null, null,
                    null, null, null, null, null);
        } finally {
            for (LiveChild c : children) {
                c.close();
            }
        }
    }

    private Result measure(String id, List<LiveChild> children) throws Exception {
        Path snap = id.startsWith("jvmm") ? snapshot.dir(progress) : null;
        progress.note(String.format(Locale.ROOT, "density %s: starting %d instance(s), then %.0f s idle", id, count, idleSeconds));
        long timeout = TimeUnit.SECONDS.toNanos(setup.timeoutSeconds());
        settle();
        long memBefore = ProcFs.memAvailableKiB();
        long t0 = System.nanoTime();
        List<Double> replies = new ArrayList<>();
        Double allReplied;
        List<ContainerSystem> runtimes = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger cloneRetypes = new java.util.concurrent.atomic.AtomicInteger();
        switch (id) {
            case "jvmm-clones" -> {
                AtomicLong all = new AtomicLong(-1);
                List<String> cmd = cloneHostCommand(setup.javaCommand());
                cmd.addAll(List.of("bench-clones", "--restore", snap.toString(), "--count", Integer.toString(count),
                        "--timeout", Long.toString(setup.timeoutSeconds())));
                List<Double> childReplies = java.util.Collections.synchronizedList(new ArrayList<>());
                LiveChild c = LiveChild.start(cmd, JvmmSystems.cgroupName("clones", count), null, line -> {
                    if (line.startsWith("jvmm-clone ")) {
                        String[] f = line.split(" ");
                        childReplies.add(Double.parseDouble(f[f.length - 1]));
                    } else if (line.startsWith(CloneHostCommand.RETYPED)) {
                        cloneRetypes.incrementAndGet();
                    } else if (line.startsWith(CloneHostCommand.ALL_REPLIED)) {
                        all.set(System.nanoTime());
                    }
                });
                children.add(c);
                while (all.get() < 0 && c.alive() && System.nanoTime() - t0 < timeout) {
                    Thread.sleep(5);
                }
                if (all.get() < 0) {
                    throw new IllegalStateException("the clones did not all reply: " + c.stderrTail());
                }
                allReplied = (all.get() - t0) / 1e6;
                // The child's times are from its own start; the parent's stamp of its last line bounds them.
                double shift = c.ms(t0);
                synchronized (childReplies) {
                    childReplies.forEach(r -> replies.add(r - shift));
                }
            }
            case "jvmm-processes" -> {
                for (int i = 0; i < count; i++) {
                    List<String> cmd = JvmmSystems.restoreCommand(setup.javaCommand());
                    cmd.addAll(List.of("run", "--restore", snap.toString(), "--timeout", Long.toString(setup.timeoutSeconds())));
                    LiveChild c = LiveChild.start(cmd, JvmmSystems.cgroupName("restore-proc", i), null);
                    children.add(c);
                    c.type(ConsoleMarkers.TYPED_COMMAND);
                }
                allReplied = awaitReplies(children, t0, timeout, replies);
            }
            default -> {
                ContainerSystem rt = new ContainerSystem(setup, id);
                for (int i = 0; i < count; i++) {
                    String name = JvmmSystems.cgroupName(id + "-density", i);
                    StringBuilder why = new StringBuilder();
                    MemoryCgroup cg = MemoryCgroup.create(name, why);
                    LiveChild c = LiveChild.start(rt.command(name, "sh", cg), null, cg);
                    children.add(c);
                    c.type(ConsoleMarkers.TYPED_COMMAND);
                }
                runtimes.add(rt);
                allReplied = awaitReplies(children, t0, timeout, replies);
            }
        }
        progress.note(String.format(Locale.ROOT, "density %s: all %d answered in %s; idle for %.0f s", id, count,
                Reports.ms(allReplied), idleSeconds));
        // Idle: every process of the N, CPU time from /proc over the period.
        long cpu0 = 0;
        for (LiveChild c : children) {
            cpu0 += ProcFs.treeCpuMs(c.handle());
        }
        long i0 = System.nanoTime();
        Thread.sleep((long) (idleSeconds * 1000));
        long cpu1 = 0;
        for (LiveChild c : children) {
            cpu1 += ProcFs.treeCpuMs(c.handle());
        }
        double idleWall = (System.nanoTime() - i0) / 1e9;
        long memAfter = ProcFs.memAvailableKiB();
        Long guestRss = null;
        Long guestDirty = null;
        Long vmmRss = null;
        if (snap != null) {
            long g = 0;
            long d = 0;
            long v = 0;
            for (LiveChild c : children) {
                ProcFs.MemoryReading r = ProcFs.measure(c.pid(), ProcFs.mappingOf(snapshot.memoryFile()));
                g += r.guestRssKiB();
                d += r.guestWrittenKiB();
                v += r.vmmRssKiB();
            }
            guestRss = g;
            guestDirty = d;
            vmmRss = v;
        }
        Long peakSum = 0L;
        for (LiveChild c : children) {
            Long p = c.cgroupPeakKiB();
            peakSum = p == null || peakSum == null ? null : peakSum + p;
        }
        for (LiveChild c : children) {
            if (id.equals("jvmm-processes")) {
                c.type(RestoreSystems.STOP_COMMAND);
            } else {
                c.closeInput();   // the clone host stops its clones; a container's sh ends, then its /init
            }
        }
        for (LiveChild c : children) {
            int status = c.awaitExit(60);
            if (status != 0) {
                progress.note("density " + id + ": an instance ended with status " + status + ": " + c.stderrTail());
            }
        }
        for (ContainerSystem rt : runtimes) {
            rt.deleteAll();
        }
        int retypes = cloneRetypes.get();
        for (LiveChild c : children) {
            retypes += c.retypes();
        }
        return new Result(id, title(id), method(id), null, null, count, idleWall, allReplied, replies, retypes, memBefore, memAfter,
                peakSum, cpu1 - cpu0, guestRss, guestDirty, vmmRss);
    }

    /** Waits for every child's answer; returns the last one, ms since {@code t0}. */
    private static double awaitReplies(List<LiveChild> children, long t0, long timeoutNanos, List<Double> replies)
            throws InterruptedException, java.io.IOException {
        long last = t0;
        for (LiveChild c : children) {
            long r = c.awaitReply(t0 + timeoutNanos);
            if (r < 0) {
                throw new IllegalStateException("instance " + children.indexOf(c) + " did not answer: last line '"
                        + c.console().lastLine() + "', stderr: " + c.stderrTail());
            }
            replies.add((r - t0) / 1e6);
            last = Math.max(last, r);
        }
        return (last - t0) / 1e6;
    }

    /** Lets the page cache and the previous system's teardown settle before MemAvailable is read. */
    private static void settle() throws InterruptedException {
        Thread.sleep(1000);
    }
}
