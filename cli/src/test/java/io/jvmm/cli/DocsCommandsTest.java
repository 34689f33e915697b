package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Docs that cannot rot: every fenced block marked {@code runnable} in the README and docs/ is run, and
 * what it shows must come out. In such a block ({@code ```sh runnable}) a line starting with {@code $ } is
 * a command, run with sh from the repository root ({@code ./jvmm} becomes this build's jvmm); the lines
 * after it are output it must print (stdout or stderr, each line somewhere, spacing and decimal figures
 * free, {@code …} matching anything) and it must exit 0. Blocks marked {@code runnable boot} boot the real
 * guest (minutes on an emulating host): they run in the boot-tagged test, with the cached minimal image.
 */
class DocsCommandsTest {
    /** surefire runs in the module's directory. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern DECIMAL = Pattern.compile("\\d+\\.\\d+");
    private static final Pattern JVMM_WORD = Pattern.compile("(^|\\|\\s*)\\./jvmm ");

    record Command(String source, String line, List<String> expected, boolean boot) {
        Command(String source, String line, List<String> expected) {
            this(source, line, expected, false);
        }
    }

    /** Seconds a command may take: a quick one, and one that boots Linux on an emulating host. */
    private static final long QUICK_S = 120;
    private static final long BOOT_S = 1500;

    @Test
    @Tag("kvm")
    @Timeout(600)
    void everyRunnableCommandInTheDocsPrintsWhatTheDocsShow() throws Exception {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host: docs commands not run");
        List<Command> commands = commands(false);
        assertFalse(commands.isEmpty(), "no runnable block found in the docs");
        runAll(commands, QUICK_S);
    }

    /** The documented commands that boot the default Linux guest. */
    @Test
    @Tag("boot")
    @Timeout(3 * BOOT_S)
    void everyRunnableBootCommandInTheDocsPrintsWhatTheDocsShow() throws Exception {
        BootTestImage.minimalOrSkip();
        List<Command> commands = commands(true);
        assertFalse(commands.isEmpty(), "no 'runnable boot' block found in the docs");
        runAll(commands, BOOT_S);
    }

    private static List<Command> commands(boolean boot) throws IOException {
        List<Command> commands = new ArrayList<>();
        for (Path doc : documents()) {
            parse(ROOT.relativize(doc).toString(), Files.readString(doc)).stream()
                    .filter(c -> c.boot() == boot).forEach(commands::add);
        }
        return commands;
    }

    private static void runAll(List<Command> commands, long timeoutSeconds) throws IOException, InterruptedException {
        for (Command c : commands) {
            String output = run(c.line(), timeoutSeconds);
            for (String e : c.expected()) {
                assertTrue(output.lines().anyMatch(l -> matches(e, l)),
                        c.source() + ": `" + c.line() + "` did not print\n  " + e + "\nit printed:\n" + tail(output));
            }
        }
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    @Test
    void blocksAreParsedIntoCommandsAndTheirOutput() {
        String md = """
                text
                ```sh runnable
                $ echo a
                a
                $ true
                ```
                ```sh
                $ not-runnable
                ```
                ```sh runnable boot
                $ ./jvmm run
                ready
                ```
                """;
        assertEquals(List.of(new Command("x.md", "echo a", List.of("a")), new Command("x.md", "true", List.of()),
                new Command("x.md", "./jvmm run", List.of("ready"), true)), parse("x.md", md));
    }

    @Test
    void linesMatchWithFreeSpacingFiguresAndEllipses() {
        assertTrue(matches("exit trace summary: 7 exits, 4.468 ms handling", "exit trace summary: 7 exits, 0.512 ms handling"));
        assertTrue(matches("  6      4.468    744.67  serial   out THR", "6 0.100 16.67 serial out THR"));
        assertTrue(matches("memory at 0x…", "memory at 0x7f0012340000"));
        assertFalse(matches("7 exits", "8 exits"));
    }

    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            docs.addAll(s.filter(p -> p.toString().endsWith(".md")).sorted().toList());
        }
        return docs;
    }

    static List<Command> parse(String source, String markdown) {
        List<Command> out = new ArrayList<>();
        boolean inBlock = false;
        boolean runnable = false;
        boolean boot = false;
        String line = null;
        List<String> expected = new ArrayList<>();
        for (String l : markdown.split("\n", -1)) {
            if (l.startsWith("```")) {
                if (inBlock && line != null) {
                    out.add(new Command(source, line, List.copyOf(expected), boot));
                }
                List<String> info = List.of(l.substring(3).trim().split("\\s+"));
                runnable = !inBlock && info.contains("runnable");
                boot = runnable && info.contains("boot");
                inBlock = !inBlock;
                line = null;
                expected.clear();
            } else if (inBlock && runnable && l.startsWith("$ ")) {
                if (line != null) {
                    out.add(new Command(source, line, List.copyOf(expected), boot));
                }
                line = l.substring(2);
                expected.clear();
            } else if (inBlock && runnable && line != null && !l.isBlank()) {
                expected.add(l);
            }
        }
        return out;
    }

    static boolean matches(String expected, String actual) {
        String[] parts = normalize(expected).split("…", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            regex.append(i > 0 ? ".*" : "").append(Pattern.quote(parts[i]));
        }
        return Pattern.matches(regex.toString(), normalize(actual));
    }

    /** Spacing collapsed; every decimal figure stands for any decimal figure. */
    private static String normalize(String s) {
        return DECIMAL.matcher(s.trim().replaceAll("\\s+", " ")).replaceAll("#.#");
    }

    private static String run(String line, long timeoutSeconds) throws IOException, InterruptedException {
        String jvmm = JvmmProcess.command().stream().map(DocsCommandsTest::shellQuote).collect(Collectors.joining(" "));
        // ./jvmm at the start of the line or of a pipeline stage becomes this build's jvmm.
        String script = JVMM_WORD.matcher(line).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) + jvmm + " "));
        Process p = new ProcessBuilder("sh", "-c", script).directory(ROOT.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "`" + line + "` did not end");
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "`" + line + "` failed:\n" + output);
        return output;
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
