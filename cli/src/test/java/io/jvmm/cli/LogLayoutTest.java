package io.jvmm.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log line jvmm wrote with PatternLayout before, now written in code. */
class LogLayoutTest {
    private static LoggingEvent event(Level level, String message, Throwable thrown) {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent e = new LoggingEvent("fqcn", ctx.getLogger("io.jvmm.machine.Machine"), level, message, thrown, null);
        e.setThreadName("vcpu-0");
        e.setTimeStamp(1_764_500_000_123L);
        return e;
    }

    @Test
    void lineAsThePatternWroteIt() {
        String time = LocalTime.ofInstant(Instant.ofEpochMilli(1_764_500_000_123L), ZoneId.systemDefault())
                .format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
        assertEquals(time + " WARN  [vcpu-0] Machine: guest stopped" + System.lineSeparator(),
                new LogLayout().doLayout(event(Level.WARN, "guest stopped", null)));
        assertTrue(new LogLayout().doLayout(event(Level.DEBUG, "x", null)).contains(" DEBUG [vcpu-0] Machine: x"));
    }

    @Test
    void stackTraceFollowsTheLine() {
        String s = new LogLayout().doLayout(event(Level.ERROR, "failed", new IllegalStateException("boom")));
        String[] lines = s.split(System.lineSeparator());
        assertTrue(lines[0].endsWith("ERROR [vcpu-0] Machine: failed"), lines[0]);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].strip().startsWith("at ") && lines[2].contains("io.jvmm.cli.LogLayoutTest"), lines[2]);
    }
}
