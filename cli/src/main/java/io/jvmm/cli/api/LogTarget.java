package io.jvmm.cli.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/** Firecracker's logger settings ({@code PUT /logger}, {@code --level}, {@code --log-path}) applied to logback. */
final class LogTarget {
    private LogTarget() {
    }

    /** Firecracker's level names (Error, Warning, Info, Debug, Trace, Off), any case. */
    static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.ERROR;
            case "warning", "warn" -> Level.WARN;
            case "info" -> Level.INFO;
            case "debug" -> Level.DEBUG;
            case "trace" -> Level.TRACE;
            case "off" -> Level.OFF;
            default -> throw new ApiException("Invalid log level '" + name + "': Error, Warning, Info, Debug, Trace or Off.");
        };
    }

    /** Sets the root level and, with a path, adds a file (or FIFO) appender; both are checked before either applies. */
    static void apply(String levelName, String logPath, boolean showLevel, boolean showOrigin) {
        Level level = levelName == null ? null : level(levelName);
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (logPath != null) {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(ctx);
            encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSS} [jvmm]" + (showLevel ? " :%level" : "")
                    + (showOrigin ? " %logger{20}" : "") + " %msg%n");
            encoder.start();
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setContext(ctx);
            file.setName("api-log");
            file.setFile(logPath);
            file.setAppend(true);
            file.setEncoder(encoder);
            file.start();
            if (!file.isStarted()) {
                throw new ApiException("Cannot open log_path " + logPath + ".");
            }
            root.detachAppender("api-log");
            root.addAppender(file);
        }
        if (level != null) {
            root.setLevel(level);
        }
    }
}
