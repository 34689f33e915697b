package io.jvmm.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything one {@code jvmm bench} measured, with the summaries the table, the JSON and the chart show.
 *
 * @param host           {@link HostDescription#describe()}
 * @param settings       the options in effect (runs, memory, command ...)
 * @param systems        one entry per system asked for, in order
 * @param exitPath       the port-I/O exit figures, or null when not measured
 * @param densityMemKiB  host memory the (computed, footnote) density figure is computed for
 * @param density        measured density, one entry per {@code --density-systems} system (empty without --density)
 * @param perVm          the memory of additional VMs in one JVM ({@link PerVmMemory}), or null when not measured
 */
public record BenchResult(Map<String, Object> host, Map<String, Object> settings, List<SystemResult> systems,
                          Map<String, Object> exitPath, long densityMemKiB, List<DensityBench.Result> density,
                          Map<String, Object> perVm) {

    /** A result without a measured density ({@code --density} not given) or per-VM memory. */
    public BenchResult(Map<String, Object> host, Map<String, Object> settings, List<SystemResult> systems,
                       Map<String, Object> exitPath, long densityMemKiB) {
        this(host, settings, systems, exitPath, densityMemKiB, List.of(), null);
    }

    /**
     * One system's runs.
     *
     * @param unavailable why it was not run (not installed ...), or null
     * @param error       why it stopped early, or null
     * @param samples     every run, warm-ups included (flagged)
     */
    public record SystemResult(String id, String title, String method, boolean bootsKernel, String unavailable,
                               String error, List<Sample> samples) {
        public List<Sample> measured() {
            return samples.stream().filter(s -> !s.warmup() && s.status() == 0).toList();
        }

        /** Phase name → statistics over the measured runs, in phase order. */
        public Map<String, Stats> phaseStats() {
            Map<String, List<Double>> byName = new LinkedHashMap<>();
            for (Sample s : measured()) {
                for (Sample.Phase p : s.phases()) {
                    byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.ms());
                }
            }
            Map<String, Stats> out = new LinkedHashMap<>();
            byName.forEach((k, v) -> out.put(k, Stats.of(v)));
            return out;
        }

        public Stats stat(Function<Sample, Number> f) {
            return Stats.of(measured().stream().map(f).toList());
        }

        public Stats reply() {
            return stat(Sample::replyMs);
        }

        public Stats ready() {
            return stat(Sample::readyMs);
        }

        public Stats total() {
            return stat(Sample::totalMs);
        }

        public Stats bootTimer() {
            return stat(s -> s.events().get("boot-timer"));
        }

        /** CPU of an API server up to its first answer, over the measured runs; null for systems without an API. */
        public Stats cpuToFirstAnswer() {
            return stat(Sample::cpuToFirstAnswerMs);
        }

        /** The median over the measured runs of each run's median API latency; null without API requests. */
        public Stats apiLatencyMedian() {
            return stat(s -> s.apiLatency() == null ? null : s.apiLatency().medianMs());
        }

        /** The median over the measured runs of each run's p99 API latency; null without API requests. */
        public Stats apiLatencyP99() {
            return stat(s -> s.apiLatency() == null ? null : s.apiLatency().p99Ms());
        }

        public Stats cpu() {
            return stat(Sample::cpuMs);
        }

        public Stats memory(Function<Sample.Memory, Long> f) {
            return stat(s -> s.memory() == null ? null : f.apply(s.memory()));
        }

        /** How many instances fit in {@code hostKiB}: host memory / median per-instance memory (computed). */
        public Long density(long hostKiB) {
            Stats per = memory(Sample.Memory::perInstanceKiB);
            return per == null || per.median() <= 0 || hostKiB <= 0 ? null : (long) Math.floor(hostKiB / per.median());
        }
    }

    SystemResult system(String id) {
        return systems.stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    }

    /**
     * The goals, as ratios from this run (null where a side is missing): empty-VM lifecycle and
     * {@code jvmm --help} against {@code java -version}, jvmm cold boot to /init against QEMU, the warm VM
     * build, and the VMM's own memory (RSS excluding guest RAM) of the empty VM and the Linux guest.
     */
    Map<String, Object> goals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("emptyVmOverJavaVersion", ratio(total(system("empty")), total(system("java"))));
        g.put("emptyVmOverJavaVersionGoal", 1.5);
        // No goal: the floor under the empty VM (JVM, jvmm's native link, a KVM VM); the empty VM cannot go below it.
        g.put("ffmFloorOverJavaVersion", ratio(total(system("ffm")), total(system("java"))));
        g.put("helpOverJavaVersion", ratio(total(system("help")), total(system("java"))));
        g.put("helpOverJavaVersionGoal", 2.0);
        SystemResult serve = system("serve");
        g.put("serveAnswerOverJavaVersion", ratio(serve == null ? null : serve.stat(s -> s.events().get("api-answer")),
                total(system("java"))));
        g.put("serveAnswerOverJavaVersionGoal", 2.0);
        // No goal: the floor under serve (JVM and the API's Jetty server alone); serve cannot answer sooner.
        SystemResult apiFloor = system("api-floor");
        g.put("apiFloorAnswerOverJavaVersion", ratio(apiFloor == null ? null : apiFloor.stat(s -> s.events().get("api-answer")),
                total(system("java"))));
        g.put("emptyVmVmmRssMiB", vmmRssMiB(system("empty")));
        g.put("emptyVmVmmRssGoalMiB", 40.0);
        g.put("jvmmVmmRssMiB", vmmRssMiB(system("jvmm")));
        g.put("jvmmVmmRssGoalMiB", 48.0);
        g.put("jvmmColdReadyOverQemuReady", ratio(ready(system("jvmm")), ready(system("qemu"))));
        g.put("jvmmColdReadyOverQemuReadyGoal", 0.8);
        SystemResult warm = system("jvmm-warm") != null ? system("jvmm-warm") : system("empty-warm");
        Stats build = warm == null ? null : warm.phaseStats().get(Sample.PHASE_NAMES.get("first-run"));
        g.put("warmVmBuildMs", build == null ? null : build.median());
        g.put("warmVmBuildFrom", warm == null ? null : warm.id());
        g.put("warmVmBuildGoalMs", 5.0);
        Stats crunReady = ready(system("crun"));
        g.put("restoreColdReplyOverCrunReady", ratio(reply(system("jvmm-restore")), crunReady));
        g.put("restoreColdReplyOverCrunReadyGoal", 10.0);
        g.put("restoreWarmReplyOverCrunReady", ratio(reply(system("jvmm-restore-warm")), crunReady));
        g.put("restoreWarmReplyOverCrunReadyGoal", 1.0);
        DensityBench.Result clones = density("jvmm-clones");
        DensityBench.Result crun = density("crun");
        Double per = clones == null ? null : clones.perInstanceKiB();
        Double dirty = clones == null ? null : clones.writtenPerInstanceKiB();
        g.put("clonesInstances", clones == null ? null : clones.instances());
        g.put("clonesPerInstanceKiB", per);
        g.put("clonesWrittenPerInstanceKiB", dirty);
        g.put("clonesPerInstanceBeyondWrittenKiB", per == null || dirty == null ? null : per - dirty);
        g.put("clonesPerInstanceBeyondWrittenGoalKiB", 4096.0);
        Double cg = clones == null ? null : clones.instancesPerGiB();
        Double crg = crun == null ? null : crun.instancesPerGiB();
        g.put("clonesPerGiBOverCrunPerGiB", cg == null || crg == null || crg == 0 ? null : cg / crg);
        g.put("clonesPerGiBOverCrunPerGiBGoal", 0.5);
        // The same two goals by the instances' own memory cgroups (peaks ÷ N), which other work on the host does not move.
        Double cgPer = clones == null ? null : clones.cgroupPeakPerInstanceKiB();
        g.put("clonesCgroupPeakPerInstanceKiB", cgPer);
        g.put("clonesCgroupPeakBeyondWrittenKiB", cgPer == null || dirty == null ? null : cgPer - dirty);
        Double cgc = clones == null ? null : clones.instancesPerGiBByCgroupPeaks();
        Double crc = crun == null ? null : crun.instancesPerGiBByCgroupPeaks();
        g.put("clonesPerGiBOverCrunPerGiBByCgroupPeaks", cgc == null || crc == null || crc == 0 ? null : cgc / crc);
        g.put("idleCpuPercentPerVm", clones == null ? null : clones.idleCpuPercentPerInstance());
        g.put("idleCpuPercentPerVmGoal", 1.0);
        g.put("perVmBeyondGuestKiB", perVm == null ? null : perVm.get("perVmKiB"));
        g.put("perVmBeyondGuestGoalKiB", 2048.0);
        return g;
    }

    DensityBench.Result density(String id) {
        return density.stream().filter(d -> d.id().equals(id) && d.measured()).findFirst().orElse(null);
    }

    private static Stats reply(SystemResult s) {
        return s == null ? null : s.reply();
    }

    private static Double vmmRssMiB(SystemResult s) {
        Stats kib = s == null ? null : s.memory(Sample.Memory::vmmRssKiB);
        return kib == null ? null : kib.median() / 1024;
    }

    private static Stats total(SystemResult s) {
        return s == null ? null : s.total();
    }

    private static Stats ready(SystemResult s) {
        return s == null ? null : s.ready();
    }

    private static Double ratio(Stats a, Stats b) {
        return a == null || b == null || b.median() == 0 ? null : a.median() / b.median();
    }
}
