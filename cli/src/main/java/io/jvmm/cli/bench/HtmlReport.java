package io.jvmm.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained report page (XHTML, so it also parses as XML) with an inline SVG chart: one horizontal
 * bar per system, its boot phases stacked (medians), and a whisker from the fastest to the p90 run's total.
 * Systems that take under 5 % of the slowest one get a second, zoomed chart, so that containers and
 * VMs of very different speed are both readable.
 */
final class HtmlReport {
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#9c755f", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"};
    private static final int LABEL_W = 230;
    private static final int PLOT_W = 560;
    private static final int BAR_H = 22;
    private static final int GAP = 12;

    private HtmlReport() {
    }

    static String html(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<title>jvmm bench</title>\n<style>\n")
                .append("body { font-family: sans-serif; margin: 2em; color: #222; }\n")
                .append("table { border-collapse: collapse; font-size: 0.9em; }\n")
                .append("td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }\n")
                .append("td:first-child, th:first-child { text-align: left; }\n")
                .append("pre { background: #f6f6f6; padding: 1em; font-size: 0.85em; }\n</style>\n</head>\n<body>\n");
        sb.append("<h1>jvmm bench: VM boot against container start</h1>\n");
        Map<String, Object> h = r.host();
        sb.append("<p>Host: ").append(esc(String.valueOf(h.get("cpuModel")))).append(", ").append(esc(String.valueOf(h.get("cpus"))))
                .append(" CPUs, ").append(esc(Reports.kib(((Number) h.get("memTotalKiB")).doubleValue()))).append(", Linux ")
                .append(esc(String.valueOf(h.get("kernel")))).append(", KVM: <b>").append(esc(String.valueOf(h.get("kvm"))))
                .append("</b>, ").append(esc(String.valueOf(h.get("jdk")))).append(".</p>\n");
        if ("emulating".equals(h.get("kvm"))) {
            sb.append("<p><b>This host's KVM emulates guest kernel code</b> (nested, PVM-based): a Linux guest boots about "
                    + "1000 times slower than on hardware KVM, so few runs were taken and absolute boot times say little; "
                    + "ratios between systems in this run do.</p>\n");
        }
        sb.append("<p>Command run by every system: <code>").append(esc(String.valueOf(r.settings().get("command")))).append("</code></p>\n");

        List<BenchResult.SystemResult> shown = r.systems().stream().filter(s -> !s.measured().isEmpty()).toList();
        double max = shown.stream().mapToDouble(s -> s.total().p90()).max().orElse(1);
        sb.append("<h2>Start to exit, by phase</h2>\n").append(chart(shown, max));
        List<BenchResult.SystemResult> fast = shown.stream().filter(s -> s.total().p90() < 0.05 * max).toList();
        if (!fast.isEmpty() && fast.size() < shown.size()) {
            double fastMax = fast.stream().mapToDouble(s -> s.total().p90()).max().orElse(1);
            sb.append("<h2>The fast ones, zoomed</h2>\n").append(chart(fast, fastMax));
        }
        sb.append("<p>Bars: median of each phase, stacked. Whisker: fastest to p90 run, total time. ")
                .append("'to /init ready' ends at the line <code>").append(ConsoleMarkers.READY_LINE)
                .append("</code>, which the same /init prints in the VMs and in the containers.</p>\n");

        sb.append(restoreAgainstBoot(r));
        sb.append(densityCharts(r));
        sb.append("<h2>Table</h2>\n<pre>").append(esc(Reports.table(r))).append("</pre>\n");
        sb.append("<h2>How each system was measured</h2>\n<ul>\n");
        for (BenchResult.SystemResult s : r.systems()) {
            sb.append("<li><b>").append(esc(s.title())).append("</b>: ")
                    .append(esc(s.unavailable() != null ? "not run: " + s.unavailable() : s.method())).append("</li>\n");
        }
        sb.append("</ul>\n<p>Every sample is in the JSON file (<code>--json</code>).</p>\n</body>\n</html>\n");
        return sb.toString();
    }

    /** One labelled value of a simple bar chart. */
    record Bar(String label, double value, String text, int colour) {
    }

    /** Time to a reply (restores) or to /init ready (boots and containers), log scale: 20 ms and 60 s on one chart. */
    static String restoreAgainstBoot(BenchResult r) {
        List<Bar> bars = new ArrayList<>();
        for (BenchResult.SystemResult s : r.systems()) {
            if (s.measured().isEmpty()) {
                continue;
            }
            Stats reply = s.reply();
            Stats ready = s.ready();
            if (reply != null) {
                bars.add(new Bar(s.title() + " (to reply)", reply.median(), Reports.ms(reply.median()), 0));
            } else if (ready != null) {
                bars.add(new Bar(s.title() + " (to /init ready)", ready.median(), Reports.ms(ready.median()), 1));
            }
        }
        if (bars.isEmpty()) {
            return "";
        }
        return "<h2>Restore against boot</h2>\n" + bars(bars, true)
                + "<p>Median time from the start to the guest's answer to a typed command (restores) or to the line <code>"
                + ConsoleMarkers.READY_LINE + "</code> (boots, containers). Logarithmic scale.</p>\n";
    }

    /** Memory per instance, instances per GiB and idle CPU per instance of the measured density runs. */
    static String densityCharts(BenchResult r) {
        List<DensityBench.Result> d = r.density().stream().filter(DensityBench.Result::measured).toList();
        if (d.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        List<Bar> mem = new ArrayList<>();
        List<Bar> perGiB = new ArrayList<>();
        List<Bar> cpu = new ArrayList<>();
        for (DensityBench.Result x : d) {
            if (x.perInstanceKiB() != null) {
                mem.add(new Bar(x.title() + ": MemAvailable / N", Math.max(0, x.perInstanceKiB()), Reports.kib(x.perInstanceKiB()), 0));
            }
            if (x.cgroupPeakPerInstanceKiB() != null) {
                mem.add(new Bar(x.title() + ": cgroup peaks / N", x.cgroupPeakPerInstanceKiB(), Reports.kib(x.cgroupPeakPerInstanceKiB()), 2));
            }
            if (x.instancesPerGiB() != null) {
                perGiB.add(new Bar(x.title() + ": by MemAvailable", x.instancesPerGiB(), String.format(Locale.ROOT, "%.1f per GiB", x.instancesPerGiB()), 5));
            }
            if (x.instancesPerGiBByCgroupPeaks() != null) {
                perGiB.add(new Bar(x.title() + ": by cgroup peaks", x.instancesPerGiBByCgroupPeaks(),
                        String.format(Locale.ROOT, "%.1f per GiB", x.instancesPerGiBByCgroupPeaks()), 2));
            }
            cpu.add(new Bar(x.title(), x.idleCpuPercentPerInstance(),
                    String.format(Locale.ROOT, "%.2f %% of a core", x.idleCpuPercentPerInstance()), 3));
        }
        sb.append("<h2>Memory per instance (measured, N live instances)</h2>\n").append(bars(mem, false))
                .append("<p>MemAvailable before the start minus MemAvailable after the idle period, divided by N; and the "
                        + "sum of the instances' memory cgroup peaks divided by N.</p>\n");
        if (!perGiB.isEmpty()) {
            sb.append("<h2>Density: instances per GiB of host memory</h2>\n").append(bars(perGiB, false))
                    .append("<p>1 GiB divided by the measured memory per instance: by MemAvailable (host-wide: other work on the host "
                            + "moves it too) and by the instances' memory cgroup peaks (their own, but without page cache "
                            + "charged elsewhere, such as the snapshot's memory file).</p>\n");
        }
        sb.append("<h2>Idle CPU per instance</h2>\n").append(bars(cpu, false))
                .append("<p>CPU time of every process of the N instances over the idle period, per instance, as a "
                        + "percentage of one core.</p>\n");
        return sb.toString();
    }

    /** A horizontal bar chart of {@code bars}; log: a logarithmic axis (values must be positive). */
    static String bars(List<Bar> bars, boolean log) {
        int width = LABEL_W + PLOT_W + 140;
        int height = bars.size() * (BAR_H + GAP) + 20;
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
        double min = bars.stream().mapToDouble(Bar::value).filter(v -> v > 0).min().orElse(1);
        double lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
        double hi = log ? Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10)))) : Math.max(max, 1e-9);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        int y = 5;
        for (Bar b : bars) {
            double frac = log ? (b.value() <= lo ? 0 : Math.log10(b.value() / lo) / Math.log10(hi / lo)) : b.value() / hi;
            double w = Math.max(0.5, frac * PLOT_W);
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                    + "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>"
                    + "<text x=\"%.2f\" y=\"%d\">%s</text>%n", LABEL_W - 8, y + BAR_H / 2 + 4, esc(b.label()),
                    LABEL_W, y, w, BAR_H, COLOURS[b.colour() % COLOURS.length], esc(b.label() + ": " + b.text()),
                    LABEL_W + w + 6, y + BAR_H / 2 + 4, esc(b.text())));
            y += BAR_H + GAP;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** One SVG chart; {@code max} ms maps to the full plot width. */
    static String chart(List<BenchResult.SystemResult> systems, double max) {
        List<String> phaseNames = new ArrayList<>();
        for (String e : Sample.EVENT_ORDER) {
            phaseNames.add(Sample.PHASE_NAMES.get(e));
        }
        phaseNames.add(Sample.WHOLE_RUN);
        int height = systems.size() * (BAR_H + GAP) + 100;
        int width = LABEL_W + PLOT_W + 120;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        double scale = PLOT_W / Math.max(max, 1e-9);
        int y = 10;
        int bottom = y + systems.size() * (BAR_H + GAP);
        // Time axis: about five round ticks.
        double step = niceStep(max / 5);
        for (double t = 0; t <= max * 1.0001; t += step) {
            double tx = LABEL_W + t * scale;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"5\" x2=\"%.2f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%s</text>%n",
                    tx, tx, bottom, tx, bottom + 12, esc(tick(t, step))));
        }
        for (BenchResult.SystemResult s : systems) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL_W - 8, y + BAR_H / 2 + 4, esc(s.title())));
            double x = LABEL_W;
            for (Map.Entry<String, Stats> p : s.phaseStats().entrySet()) {
                double w = p.getValue().median() * scale;
                String colour = COLOURS[Math.max(0, phaseNames.indexOf(p.getKey())) % COLOURS.length];
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
                        + "<title>%s: %s</title></rect>%n", x, y, Math.max(w, 0.5), BAR_H, colour,
                        esc(s.title() + " " + p.getKey()), esc(Reports.ms(p.getValue().median()))));
                x += w;
            }
            Stats t = s.total();
            double x0 = LABEL_W + t.min() * scale;
            double x1 = LABEL_W + t.p90() * scale;
            int cy = y + BAR_H / 2;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#222\"/>%n", x0, cy, x1, cy));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#222\"/>%n", x0, cy - 5, x0, cy + 5));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#222\"/>%n", x1, cy - 5, x1, cy + 5));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%d\">%s</text>%n", Math.max(x, x1) + 6, cy + 4,
                    esc(Reports.ms(t.median()))));
            y += BAR_H + GAP;
        }
        y += 22; // below the axis labels
        // Legend: the phases that occur.
        int lx = LABEL_W;
        for (String name : phaseNames) {
            boolean used = systems.stream().anyMatch(s -> s.phaseStats().containsKey(name));
            if (!used) {
                continue;
            }
            String colour = COLOURS[phaseNames.indexOf(name) % COLOURS.length];
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, y + 4, colour, lx + 14, y + 13, esc(name)));
            lx += 20 + name.length() * 7;
            if (lx > width - 120) {
                lx = LABEL_W;
                y += 18;
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String tick(double ms, double step) {
        if (step >= 1000) {
            return String.format(Locale.ROOT, "%.0f s", ms / 1000);
        }
        return String.format(Locale.ROOT, step >= 1 ? "%.0f ms" : "%.1f ms", ms);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        if (!(rough > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= rough) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
