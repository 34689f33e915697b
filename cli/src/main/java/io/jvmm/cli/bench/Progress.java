package io.jvmm.cli.bench;

import java.io.PrintStream;

/** Progress lines on stderr while the benchmark runs: which system, which run, elapsed time. */
final class Progress {
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private String current = "";

    Progress(PrintStream out) {
        this.out = out;
    }

    private String stamp() {
        long s = (System.nanoTime() - startNanos) / 1_000_000_000L;
        return String.format("[bench %02d:%02d]", s / 60, s % 60);
    }

    void begin(String system, int run, int runs, boolean warmup) {
        current = system + (warmup ? " warm-up " + run + "/" + runs : " run " + run + "/" + runs);
        out.println(stamp() + " " + current + " ...");
        out.flush();
    }

    void end(String summary) {
        out.println(stamp() + " " + current + ": " + summary);
        out.flush();
    }

    void still(double seconds, String lastLine) {
        out.printf("%s %s: still running after %.0f s; last console line: %s%n", stamp(), current, seconds,
                lastLine == null || lastLine.isEmpty() ? "(none yet)" : lastLine.length() > 100 ? lastLine.substring(0, 100) : lastLine);
        out.flush();
    }

    void note(String line) {
        out.println(stamp() + " " + line);
        out.flush();
    }
}
