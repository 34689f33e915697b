package io.jvmm.cli;

import java.time.Duration;
import java.time.Instant;

/** When this process started, on the {@link System#nanoTime()} clock (for boot-time figures). */
public final class ProcessStart {
    private ProcessStart() {
    }

    public static long nanos() {
        long now = System.nanoTime();
        return ProcessHandle.current().info().startInstant()
                .map(start -> now - Duration.between(start, Instant.now()).toNanos())
                .orElse(now);
    }
}
