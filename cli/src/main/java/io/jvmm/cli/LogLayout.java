package io.jvmm.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * jvmm's log line, {@code HH:mm:ss.SSS LEVEL [thread] Logger: message}, written in code. Logback's
 * PatternLayout would give the same line from {@code "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n"},
 * but parsing the pattern loads ~80 converter and parser classes at every start of a command that may
 * never log a line (a class-loading audit of a cold {@code jvmm run}).
 */
final class LogLayout extends LayoutBase<ILoggingEvent> {
    private static final ZoneId ZONE = ZoneId.systemDefault();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        LocalTime t = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), ZONE);
        pad(sb, t.getHour(), 2).append(':');
        pad(sb, t.getMinute(), 2).append(':');
        pad(sb, t.getSecond(), 2).append('.');
        pad(sb, t.getNano() / 1_000_000, 3).append(' ');
        String level = event.getLevel().toString();
        sb.append(level).append(" ".repeat(Math.max(0, 5 - level.length())));
        sb.append(" [").append(event.getThreadName()).append("] ");
        String logger = event.getLoggerName();
        sb.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ");
        sb.append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {   // as PatternLayout does when the pattern names no exception converter
            sb.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
        }
        return sb.toString();
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
