package io.jvmm.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One measured run of one system: its events in milliseconds since the run started, the phases between
 * them, CPU time and memory.
 *
 * @param events  event name → ms since start, in time order (names in {@link #EVENT_ORDER}, plus "boot-timer")
 * @param cpuMs   host CPU time (user + system) of the whole run, ms; null if unknown
 * @param memory  memory readings; null if none
 * @param status  exit status of the run (0 = the guest or container ended normally)
 * @param cpuToFirstAnswerMs  CPU time (user + system, all threads) of an API server up to its first answer, ms;
 *                            null for systems without an API
 * @param apiLatency          latency of the requests sent to a started API server; null without them
 */
public record Sample(int run, boolean warmup, Map<String, Double> events, Double cpuMs, Memory memory, int status,
                     Double cpuToFirstAnswerMs, Latency apiLatency) {

    /** A run of a system without an API (no first answer, no latency). */
    public Sample(int run, boolean warmup, Map<String, Double> events, Double cpuMs, Memory memory, int status) {
        this(run, warmup, events, cpuMs, memory, status, null, null);
    }

    /**
     * Phase boundaries in time order, and the name of the phase that ends at each. A system records the
     * subset that applies to it; "boot-timer" (jvmm's MMIO device written by /init) is reported but is
     * not a boundary.
     */
    static final List<String> EVENT_ORDER = List.of("build-start", "first-run", "first-exit", "first-output", "init-ready",
            "reply", "api-answer", "sigterm", "guest-exit", "exit");
    static final Map<String, String> PHASE_NAMES = Map.of(
            "build-start", "JVM start + setup",
            "first-run", "VM build",
            "first-exit", "to first guest exit",
            "first-output", "to first console output",
            "init-ready", "to /init ready",
            "reply", "to reply to a typed command",
            "api-answer", "to first GET / answered",
            "sigterm", "latency GETs, to SIGTERM",
            "guest-exit", "to guest exit (poweroff)",
            "exit", "to process exit");
    /** The phase of a run that records nothing but its end. */
    static final String WHOLE_RUN = "start to exit";

    /** Memory of one run, KiB; each field null when it was not measured for this system. */
    public record Memory(Long vmmRssKiB, Long guestTouchedKiB, Long cgroupPeakKiB) {
        /** What one more instance would cost: VMM + guest where known, else the cgroup peak. */
        Long perInstanceKiB() {
            if (vmmRssKiB != null && guestTouchedKiB != null) {
                return vmmRssKiB + guestTouchedKiB;
            }
            return cgroupPeakKiB;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vmmRssKiB", vmmRssKiB);
            m.put("guestTouchedKiB", guestTouchedKiB);
            m.put("cgroupPeakKiB", cgroupPeakKiB);
            m.put("perInstanceKiB", perInstanceKiB());
            return m;
        }
    }

    /**
     * Latency of requests to a started server (ms from connect to the whole answer read), over {@code n}
     * requests; p99 is the nearest rank, as {@link Stats}'s p90.
     */
    public record Latency(int n, double minMs, double medianMs, double p99Ms, double maxMs) {
        /** Null when {@code ms} is empty. */
        static Latency of(double[] ms) {
            if (ms.length == 0) {
                return null;
            }
            double[] v = ms.clone();
            java.util.Arrays.sort(v);
            int n = v.length;
            double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            int rank = (int) Math.ceil(0.99 * n);   // 1-based nearest rank
            return new Latency(n, v[0], median, v[Math.max(0, rank - 1)], v[n - 1]);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n);
            m.put("minMs", minMs);
            m.put("medianMs", medianMs);
            m.put("p99Ms", p99Ms);
            m.put("maxMs", maxMs);
            return m;
        }
    }

    public record Phase(String name, double ms) {
    }

    /** The phases between consecutive recorded boundaries, starting at 0. */
    public List<Phase> phases() {
        List<Phase> out = new ArrayList<>();
        double prev = 0;
        for (String e : EVENT_ORDER) {
            Double t = events.get(e);
            if (t != null) {
                String name = e.equals("exit") && out.isEmpty() ? WHOLE_RUN : PHASE_NAMES.get(e);
                out.add(new Phase(name, Math.max(0, t - prev)));
                prev = Math.max(prev, t);
            }
        }
        return out;
    }

    /** Start to the /init ready line; null when there is none. */
    public Double readyMs() {
        return events.get("init-ready");
    }

    /** Start to the guest's (or container's) answer to a typed command; null when there is none. */
    public Double replyMs() {
        return events.get("reply");
    }

    /** Start to the last boundary recorded (process exit, or VM teardown in process). */
    public double totalMs() {
        double t = 0;
        for (String e : EVENT_ORDER) {
            t = Math.max(t, events.getOrDefault(e, 0.0));
        }
        return t;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run);
        m.put("warmup", warmup);
        m.put("status", status);
        m.put("events", new LinkedHashMap<>(events));
        List<Object> ph = new ArrayList<>();
        for (Phase p : phases()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("ms", p.ms());
            ph.add(pm);
        }
        m.put("phases", ph);
        m.put("readyMs", readyMs());
        m.put("replyMs", replyMs());
        m.put("totalMs", totalMs());
        m.put("cpuMs", cpuMs);
        m.put("memory", memory == null ? null : memory.toMap());
        m.put("cpuToFirstAnswerMs", cpuToFirstAnswerMs);
        m.put("apiLatency", apiLatency == null ? null : apiLatency.toMap());
        return m;
    }
}
