package io.jvmm.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage message rendered at build time ({@link UsageText}) against picocli's rendering at run time. */
class UsageTextTest {
    /** The build's resources are what picocli prints now, with and without ANSI styles. */
    @Test
    void theBuildsUsageTextIsPicocliRenderingOfTheCurrentCommands() throws Exception {
        String plain = resource(UsageText.PLAIN);
        String ansi = resource(UsageText.ANSI);
        assertEquals(UsageText.render(false), plain);
        assertEquals(UsageText.render(true), ansi);
        assertTrue(ansi.contains("\u001b["), "styled text has ANSI escapes");
        assertFalse(plain.contains("\u001b["));
        for (String command : Main.SUBCOMMANDS.keySet()) {
            if (!Main.commandLine().getSubcommands().get(command).getCommandSpec().usageMessage().hidden()) {
                assertTrue(plain.contains("\n  " + command + " "), command + " listed in\n" + plain);
            }
        }

        // And what `jvmm --help` printed before UsageText: picocli's help option on the whole command line.
        CommandLine live = Main.commandLine("--help");
        StringWriter out = new StringWriter();
        live.setOut(new PrintWriter(out));
        live.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        assertEquals(0, live.execute("--help"));
        assertEquals(out.toString(), plain);
    }

    /** A picocli system property (width, colours, ANSI) can change the text: then picocli renders it. */
    @Test
    void aPicocliSystemPropertyLeavesTheRenderingToPicocli() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        System.setProperty("picocli.usage.width", "120");
        try {
            assertFalse(UsageText.printCached(out));
            assertEquals(0, bytes.size());
        } finally {
            System.clearProperty("picocli.usage.width");
        }
        assertTrue(UsageText.printCached(out));
        assertEquals(UsageText.render(false), bytes.toString(StandardCharsets.UTF_8));   // not a terminal: no styles
    }

    /** {@code jvmm --help} in a new JVM prints the resource; with a wider usage width picocli's wider text. */
    @Test
    void jvmmHelpInANewProcess() throws Exception {
        JvmmProcess.Result r = JvmmProcess.run(60, new byte[0], "--help");
        assertEquals(0, r.status(), r.stderr());
        assertEquals(resource(UsageText.PLAIN), r.stdout());
        assertEquals("", r.stderr());

        JvmmProcess.Result wide = JvmmProcess.run(60, new byte[0], withJvmOption("-Dpicocli.usage.width=120", "--help"));
        assertEquals(0, wide.status(), wide.stderr());
        assertNotEquals(r.stdout(), wide.stdout());
        assertTrue(wide.stdout().lines().anyMatch(l -> l.length() > 80), wide.stdout());

        JvmmProcess.Result styled = JvmmProcess.run(60, new byte[0], withJvmOption("-Dpicocli.ansi=true", "-h"));
        assertEquals(resource(UsageText.ANSI), styled.stdout());

        JvmmProcess.Result version = JvmmProcess.run(60, new byte[0], "--version");
        assertEquals(0, version.status(), version.stderr());
        assertTrue(version.stdout().matches("jvmm \\S+ \\(Java " + java.util.regex.Pattern.quote(Runtime.version().toString())
                + "\\)\\R"), version.stdout());
    }

    private static List<String> withJvmOption(String option, String... args) {
        List<String> cmd = new ArrayList<>(JvmmProcess.command(args));
        cmd.add(1, option);
        return cmd;
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = UsageText.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " is written by the build (exec-maven-plugin, phase process-classes)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
