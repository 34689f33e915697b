package io.jvmm.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The terminal table and the JSON form of a {@link BenchResult}; the chart is {@link HtmlReport}. */
final class Reports {
    private Reports() {
    }

    /** Every sample, every summary, the host and the settings. */
    static Map<String, Object> json(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tool", "jvmm bench");
        m.put("host", r.host());
        m.put("settings", r.settings());
        List<Object> systems = new ArrayList<>();
        for (BenchResult.SystemResult s : r.systems()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("id", s.id());
            sm.put("title", s.title());
            sm.put("method", s.method());
            sm.put("bootsKernel", s.bootsKernel());
            sm.put("unavailable", s.unavailable());
            sm.put("error", s.error());
            Map<String, Object> sum = new LinkedHashMap<>();
            Map<String, Object> phases = new LinkedHashMap<>();
            s.phaseStats().forEach((k, v) -> phases.put(k, v.toMap()));
            sum.put("phasesMs", phases);
            sum.put("readyMs", map(s.ready()));
            sum.put("replyMs", map(s.reply()));
            sum.put("totalMs", map(s.total()));
            sum.put("bootTimerMs", map(s.bootTimer()));
            sum.put("cpuMs", map(s.cpu()));
            sum.put("cpuToFirstAnswerMs", map(s.cpuToFirstAnswer()));
            sum.put("apiLatencyMedianMs", map(s.apiLatencyMedian()));
            sum.put("apiLatencyP99Ms", map(s.apiLatencyP99()));
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("vmmRssKiB", map(s.memory(Sample.Memory::vmmRssKiB)));
            mem.put("guestTouchedKiB", map(s.memory(Sample.Memory::guestTouchedKiB)));
            mem.put("cgroupPeakKiB", map(s.memory(Sample.Memory::cgroupPeakKiB)));
            mem.put("perInstanceKiB", map(s.memory(Sample.Memory::perInstanceKiB)));
            sum.put("memory", mem);
            Map<String, Object> density = new LinkedHashMap<>();
            density.put("hostMemoryKiB", r.densityMemKiB());
            density.put("instances", s.density(r.densityMemKiB()));
            density.put("note", "computed (footnote; see the top-level 'density' for measured figures): host memory / "
                    + "median per-instance memory; ignores sharing between instances and the host kernel's own overhead");
            sum.put("computedDensity", density);
            sm.put("summary", sum);
            sm.put("samples", s.samples().stream().map(x -> (Object) x.toMap()).toList());
            systems.add(sm);
        }
        m.put("systems", systems);
        m.put("density", r.density().stream().map(d -> (Object) d.toMap()).toList());
        m.put("exitPath", r.exitPath());
        m.put("perVm", r.perVm());
        m.put("goals", r.goals());
        return m;
    }

    private static Object map(Stats s) {
        return s == null ? null : s.toMap();
    }

    /** Milliseconds for people: 0.42 ms, 12.3 ms, 4.56 s. */
    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v >= 1000) {
            return String.format(Locale.ROOT, "%.2f s", v / 1000);
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f ms" : "%.1f ms", v);
    }

    static String kib(double v) {
        return v >= 10240 ? String.format(Locale.ROOT, "%.1f MiB", v / 1024) : String.format(Locale.ROOT, "%.0f KiB", v);
    }

    private static String median(Stats s, boolean memory) {
        if (s == null) {
            return "-";
        }
        return memory ? kib(s.median()) : ms(s.median());
    }

    private static String spread(Stats s) {
        if (s == null) {
            return "-";
        }
        return s.n() == 1 ? ms(s.median()) : ms(s.median()) + " [" + ms(s.min()) + " .. " + ms(s.p90()) + "]";
    }

    /** The terminal table: medians with [min .. p90], then each system's phases. */
    static String table(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"system", "runs", "to /init ready / reply", "total", "boot timer", "CPU", "VMM RSS", "guest touched",
                "cgroup peak", "fit in " + kib(r.densityMemKiB())});
        for (BenchResult.SystemResult s : r.systems()) {
            if (s.unavailable() != null) {
                rows.add(new String[] {s.id(), "-", "not run: " + s.unavailable(), "", "", "", "", "", "", ""});
                continue;
            }
            Long fit = s.density(r.densityMemKiB());
            rows.add(new String[] {s.id(), Integer.toString(s.measured().size()),
                    s.reply() != null ? "reply " + spread(s.reply()) : spread(s.ready()), spread(s.total()),
                    median(s.bootTimer(), false), median(s.cpu(), false), median(s.memory(Sample.Memory::vmmRssKiB), true),
                    median(s.memory(Sample.Memory::guestTouchedKiB), true), median(s.memory(Sample.Memory::cgroupPeakKiB), true),
                    fit == null ? "-" : fit.toString()});
        }
        int[] w = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                if (!row[2].startsWith("not run") || i < 3) {
                    w[i] = Math.max(w[i], i == 2 && row[2].startsWith("not run") ? 0 : row[i].length());
                }
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(String.format("%-" + Math.max(1, w[i]) + "s  ", row[i]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        sb.append("\nphases (median [min .. p90]):\n");
        for (BenchResult.SystemResult s : r.systems()) {
            if (s.error() != null) {
                sb.append("  ").append(s.id()).append(": stopped: ").append(s.error()).append('\n');
            }
            if (s.measured().isEmpty()) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            s.phaseStats().forEach((k, v) -> parts.add(k + " " + spread(v)));
            sb.append("  ").append(s.id()).append(": ").append(String.join(" | ", parts)).append('\n');
            if (s.cpuToFirstAnswer() != null) {
                sb.append("  ").append(s.id()).append(": CPU (user + system, all threads) to first GET / answered ")
                        .append(spread(s.cpuToFirstAnswer())).append('\n');
            }
            if (s.apiLatencyMedian() != null) {
                int n = s.measured().stream().filter(x -> x.apiLatency() != null).findFirst().orElseThrow().apiLatency().n();
                sb.append("  ").append(s.id()).append(": GET / latency on the started server (").append(n)
                        .append(" requests per run): median ").append(spread(s.apiLatencyMedian()))
                        .append(" | p99 ").append(spread(s.apiLatencyP99())).append('\n');
            }
        }
        if (!r.density().isEmpty()) {
            sb.append(densityTable(r));
        }
        if (r.exitPath() != null) {
            sb.append("\nexit path (port-I/O exits from a ring-3 loop): ").append(r.exitPath().get("summary")).append('\n');
        }
        if (r.perVm() != null) {
            sb.append("\nper-VM memory: ").append(r.perVm().get("summary")).append('\n');
        }
        Map<String, Object> g = r.goals();
        sb.append("\ngoals (ratios of medians from this run):\n");
        sb.append(goal("  empty VM / java -version", g.get("emptyVmOverJavaVersion"), "<= 1.5"));
        if (g.get("ffmFloorOverJavaVersion") != null) {
            sb.append(String.format(Locale.ROOT, "  the floor under it, JVM + native link + KVM VM (ffm) / java -version: %.2f (no goal: "
                    + "the empty VM cannot go below it)%n", (Double) g.get("ffmFloorOverJavaVersion")));
        }
        sb.append(goal("  jvmm --help / java -version", g.get("helpOverJavaVersion"), "<= 2"));
        sb.append(goal("  serve to an accepting socket (first GET / answered) / java -version", g.get("serveAnswerOverJavaVersion"), "<= 2"));
        if (g.get("apiFloorAnswerOverJavaVersion") != null) {
            sb.append(String.format(Locale.ROOT, "  the floor under it, the API's Jetty server alone (api-floor) to first GET / / java -version: "
                    + "%.2f (no goal: serve cannot answer sooner)%n", (Double) g.get("apiFloorAnswerOverJavaVersion")));
        }
        sb.append(goal("  empty VM: VMM RSS excl. guest, MiB", g.get("emptyVmVmmRssMiB"), "<= 40"));
        sb.append(goal("  jvmm (Linux guest): VMM RSS excl. guest, MiB", g.get("jvmmVmmRssMiB"), "<= 48"));
        sb.append(goal("  jvmm cold to /init / QEMU microvm to /init", g.get("jvmmColdReadyOverQemuReady"), "<= 0.8"));
        sb.append(g.get("warmVmBuildMs") == null ? "  warm VM build: not measured\n"
                : String.format(Locale.ROOT, "  warm VM build (%s): %s (goal < 5 ms)%n", g.get("warmVmBuildFrom"), ms((Double) g.get("warmVmBuildMs"))));
        sb.append(goal("  jvmm restore, new process, to reply / crun to /init ready", g.get("restoreColdReplyOverCrunReady"), "<= 10"));
        sb.append(goal("  jvmm restore, in process, to reply / crun to /init ready", g.get("restoreWarmReplyOverCrunReady"), "<= 1"));
        sb.append(g.get("clonesPerInstanceBeyondWrittenKiB") == null ? "  clones' memory beyond dirtied pages: not measured\n"
                : String.format(Locale.ROOT, "  %s jvmm clones in one process: %s each, of which %s dirtied guest pages: %s beyond them (goal <= 4 MiB)%n",
                g.get("clonesInstances"), kib((Double) g.get("clonesPerInstanceKiB")), kib((Double) g.get("clonesWrittenPerInstanceKiB")),
                kib((Double) g.get("clonesPerInstanceBeyondWrittenKiB"))));
        sb.append(g.get("clonesCgroupPeakBeyondWrittenKiB") == null ? ""
                : String.format(Locale.ROOT, "  the same by the clones' memory cgroup (peak / N): %s each, %s beyond the dirtied pages (goal <= 4 MiB)%n",
                kib((Double) g.get("clonesCgroupPeakPerInstanceKiB")), kib((Double) g.get("clonesCgroupPeakBeyondWrittenKiB"))));
        sb.append(goal("  clones per GiB / crun containers per GiB (MemAvailable)", g.get("clonesPerGiBOverCrunPerGiB"), ">= 0.5"));
        sb.append(goal("  clones per GiB / crun containers per GiB (cgroup peaks)", g.get("clonesPerGiBOverCrunPerGiBByCgroupPeaks"), ">= 0.5"));
        sb.append(g.get("idleCpuPercentPerVm") == null ? "  idle CPU per jvmm VM: not measured\n"
                : String.format(Locale.ROOT, "  idle CPU per jvmm VM (clones): %.2f %% of a core (goal <= 1 %%)%n", (Double) g.get("idleCpuPercentPerVm")));
        sb.append(g.get("perVmBeyondGuestKiB") == null ? "  each additional VM in one JVM, VMM memory beyond its guest pages: not measured\n"
                : String.format(Locale.ROOT, "  each additional VM in one JVM, VMM memory beyond its guest pages: %s (goal <= 2 MiB)%n",
                        kib((Double) g.get("perVmBeyondGuestKiB"))));
        sb.append("footnote: 'fit in' is computed, not measured: host memory / median per-instance memory (VMM RSS + guest "
                + "touched, or the container's cgroup peak); it ignores sharing and the host kernel's overhead"
                + (r.density().isEmpty() ? " (measure it with --density).\n" : "; the measured density is above.\n"));
        return sb.toString();
    }

    /** The measured density: one row per system. */
    static String densityTable(BenchResult r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"density", "N", "all replied", "host memory (MemAvailable)", "per instance", "cgroup peaks / N",
                "dirtied guest / N", "per GiB", "per GiB (cgroups)", "idle CPU / instance"});
        for (DensityBench.Result d : r.density()) {
            if (!d.measured()) {
                rows.add(new String[] {d.id(), Integer.toString(d.instances()),
                        d.unavailable() != null ? "not run: " + d.unavailable() : "stopped: " + d.error(), "", "", "", "", "", "", ""});
                continue;
            }
            rows.add(new String[] {d.id(), Integer.toString(d.instances()), ms(d.allRepliedMs()), kibOrDash(d.hostMemoryKiB()),
                    kibOrDash(d.perInstanceKiB()), kibOrDash(d.cgroupPeakPerInstanceKiB()), kibOrDash(d.writtenPerInstanceKiB()),
                    d.instancesPerGiB() == null ? "-" : String.format(Locale.ROOT, "%.1f", d.instancesPerGiB()),
                    d.instancesPerGiBByCgroupPeaks() == null ? "-" : String.format(Locale.ROOT, "%.1f", d.instancesPerGiBByCgroupPeaks()),
                    String.format(Locale.ROOT, "%.2f %% of a core", d.idleCpuPercentPerInstance())});
        }
        StringBuilder sb = new StringBuilder("\nmeasured density (N live instances, each answered a typed command, then idle "
                + (r.density().isEmpty() ? "" : String.format(Locale.ROOT, "%.0f s", r.density().get(0).idleSeconds())) + "):\n");
        int[] w = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                if (!(i == 2 && (row[2].startsWith("not run") || row[2].startsWith("stopped")))) {
                    w[i] = Math.max(w[i], row[i].length());
                }
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < row.length; i++) {
                line.append(String.format("%-" + Math.max(1, w[i]) + "s  ", row[i]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        for (DensityBench.Result d : r.density()) {
            if (d.retypes() > 0) {
                sb.append("  ").append(d.id()).append(": the command was typed again ").append(d.retypes())
                        .append(" time(s) into instances that were quiet for 5 s without answering\n");
            }
        }
        return sb.toString();
    }

    private static String kibOrDash(Number v) {
        return v == null ? "-" : kib(v.doubleValue());
    }

    private static String goal(String what, Object v, String target) {
        return v == null ? what + ": not measured\n" : String.format(Locale.ROOT, "%s: %.2f (goal %s)%n", what, (Double) v, target);
    }
}
