package io.jvmm.cli.bench;

import io.jvmm.machine.ExitPathProbe;
import io.jvmm.machine.Hypervisor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exit-path figure of the report: µs per port-I/O exit for a whole jvmm VM, for jvmm's KVM binding
 * alone (on the benchmark thread, and on a thread set up like a vCPU thread) and for kvm-probe (C).
 * The four are measured in turn within each round, so that a change in the host's load shows in all of
 * them rather than in one.
 */
final class ExitPathFigure {
    private static final Pattern PROBE_LINE = Pattern.compile("pio (\\d+) exits: ([0-9.]+) s, ([0-9.]+) us/exit");

    private ExitPathFigure() {
    }

    /**
     * @param kvmProbe  the C program ({@code FILE pio N}), or null when there is none or under the seccomp filter
     * @param noProbe   why there is none (reported), when {@code kvmProbe} is null
     */
    static Map<String, Object> measure(int exits, int rounds, Path kvmProbe, String noProbe, boolean seccomp, Progress progress) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exits", exits);
        m.put("rounds", rounds);
        m.put("guest", "64-bit ring 3, `out 0x80, al` in a loop (kvm-probe's pio guest)");
        m.put("seccomp", seccomp);
        boolean probe = kvmProbe != null && Files.isExecutable(kvmProbe);
        m.put("cFloor", probe ? kvmProbe.toString() : "skipped: " + (kvmProbe == null ? noProbe : kvmProbe + " is not executable"));
        List<Double> jvmm = new ArrayList<>();
        List<Double> binding = new ArrayList<>();
        List<Double> bindingThread = new ArrayList<>();
        List<Double> c = new ArrayList<>();
        try (Hypervisor hypervisor = Hypervisor.open()) {
            for (int i = 1; i <= rounds; i++) {
                progress.note("exit path, round " + i + "/" + rounds + ": " + exits + " port-I/O exits each in jvmm, "
                        + "jvmm's KVM binding alone, the same on a vCPU-like thread" + (probe ? ", kvm-probe" : ""));
                jvmm.add(ExitPathProbe.jvmm(hypervisor, exits).usPerExit());
                binding.add(ExitPathProbe.bindingOnly(hypervisor, exits).usPerExit());
                bindingThread.add(ExitPathProbe.bindingOnly(hypervisor, exits, true).usPerExit());
                if (probe) {
                    ExitPathProbe.Result r = kvmProbe(kvmProbe, exits);
                    if (r != null) {
                        c.add(r.usPerExit());
                    }
                }
            }
        } catch (RuntimeException | InterruptedException e) {   // HypervisorException too: reported, not fatal
            m.put("error", e.getMessage());
            m.put("summary", "not measured: " + e.getMessage());
            progress.note("exit path: not measured: " + e.getMessage());
            return m;
        }
        Stats js = Stats.of(jvmm);
        Stats bs = Stats.of(binding);
        Stats bts = Stats.of(bindingThread);
        m.put("jvmmUsPerExit", js.toMap());
        m.put("jvmmExitsPerSecond", 1e6 / js.median());
        m.put("bindingOnlyUsPerExit", bs.toMap());
        m.put("bindingOnVcpuThreadUsPerExit", bts.toMap());
        String summary = String.format(Locale.ROOT, "jvmm %.2f us/exit (%.0f exits/s); jvmm's KVM binding alone %.2f us/exit, "
                + "on a vCPU-like thread with the kick signal mask %.2f us/exit", js.median(), 1e6 / js.median(), bs.median(), bts.median());
        Stats ps = Stats.of(c);
        if (ps != null) {
            m.put("kvmProbeUsPerExit", ps.toMap());
            m.put("kvmProbeExitsPerSecond", 1e6 / ps.median());
            m.put("jvmmOverheadUsPerExit", js.median() - ps.median());
            summary += String.format(Locale.ROOT, "; kvm-probe (C) %.2f us/exit (%.0f exits/s); jvmm adds %.2f us per exit",
                    ps.median(), 1e6 / ps.median(), js.median() - ps.median());
        } else {
            summary += probe ? "; the C floor gave no result" : "; C floor " + m.get("cFloor");
        }
        m.put("summary", summary);
        progress.note("exit path: " + summary);
        return m;
    }

    /** Runs {@code kvm-probe pio n} (the same guest in a bare C loop); null when it is missing or its output is not understood. */
    static ExitPathProbe.Result kvmProbe(Path probe, int n) {
        String out = Tools.output(List.of(probe.toString(), "pio", Integer.toString(n)));
        Matcher m = PROBE_LINE.matcher(out);
        return m.find() ? new ExitPathProbe.Result(Double.parseDouble(m.group(3)), Long.parseLong(m.group(1))) : null;
    }
}
