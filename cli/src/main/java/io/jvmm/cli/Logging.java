package io.jvmm.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Log verbosity: 0 WARN, 1 ({@code -v}) INFO, 2+ ({@code -vv}) DEBUG and stack traces. */
public final class Logging {
    private static volatile int verbosity;

    private Logging() {
    }

    static void setVerbosity(int level) {
        verbosity = level;
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level(level));
        }
    }

    static int verbosity() {
        return verbosity;
    }

    static Level level(int v) {
        return v <= 0 ? Level.WARN : v == 1 ? Level.INFO : Level.DEBUG;
    }
}
