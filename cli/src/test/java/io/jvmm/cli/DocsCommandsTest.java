package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Docs that cannot rot: every fenced block marked {@code runnable} in the README, docs/, examples/README.md
 * and guest-images/README.md is run, and what it shows must come out. In such a block ({@code ```sh runnable})
 * a line starting with {@code $ } is a command, run with sh from the repository root; a command line ending
 * in a backslash goes on on the next line. {@code ./jvmm} becomes this build's jvmm and
 * {@code bin/firecracker} this build's {@code jvmm serve}, wherever they stand as a word. A command that
 * only sets a variable ({@code $ sock=/tmp/x.socket}) sets it for the block's later commands. The lines after
 * a command are output it must print (stdout or stderr, each line somewhere, spacing and decimal figures
 * free, {@code …} matching anything) and it must exit 0. Blocks marked {@code runnable boot} boot the real
 * guest (minutes on an emulating host): they run in the boot-tagged test, with the cached images. Blocks
 * marked {@code netns} run in a network namespace of their own (needs root), holding a TAP device for each
 * {@code tap=NAME} the block names.
 */
class DocsCommandsTest {
    /** surefire runs in the module's directory. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern DECIMAL = Pattern.compile("\\d+\\.\\d+");
    /** {@code ./jvmm} or {@code bin/firecracker} as a word: at the start, after a space, quote, pipe, ; & or (. */
    private static final Pattern LAUNCHER = Pattern.compile("(?<=^|[\\s\"'|;&(])(\\./jvmm|bin/firecracker)(?=\\s|$)");
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=\\S*");
    private static final Pattern TAP = Pattern.compile("tap=([A-Za-z0-9_-]+)");

    /**
     * One documented command: {@code setup} holds the block's variable assignments before it, {@code block}
     * numbers the blocks of a document (a netns block's commands share one namespace).
     */
    record Command(String source, int block, String setup, String line, List<String> expected, boolean boot, boolean netns) {
        Command(String source, String line, List<String> expected) {
            this(source, 0, "", line, expected, false, false);
        }
    }

    @TempDir
    static Path launchers;

    /** Seconds a command may take: a quick one, and one that boots Linux on an emulating host. */
    private static final long QUICK_S = 120;
    private static final long BOOT_S = 1500;

    @Test
    @Tag("kvm")
    @Timeout(600)
    void everyRunnableCommandInTheDocsPrintsWhatTheDocsShow() throws Exception {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host: docs commands not run");
        BootTestImage.minimalOrSkip(); // images list and the API example need the cached image
        List<Command> commands = commands(false);
        assertFalse(commands.isEmpty(), "no runnable block found in the docs");
        runAll(commands, QUICK_S);
    }

    /** The documented commands that boot the default Linux guest. */
    @Test
    @Tag("boot")
    @Timeout(6 * BOOT_S)
    void everyRunnableBootCommandInTheDocsPrintsWhatTheDocsShow() throws Exception {
        BootTestImage.minimalOrSkip();
        BootTestImage.acpiOrSkip(); // README: jvmm run --image acpi
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
        String namespace = null;
        Command namespaceOwner = null;
        try {
            for (Command c : commands) {
                boolean sameBlock = namespaceOwner != null && namespaceOwner.source().equals(c.source())
                        && namespaceOwner.block() == c.block();
                if (namespace != null && !sameBlock) {
                    deleteNamespace(namespace);
                    namespace = null;
                    namespaceOwner = null;
                }
                if (c.netns() && namespace == null) {
                    namespace = createNamespace(c, commands);
                    namespaceOwner = c;
                }
                String output = run(c, namespace, timeoutSeconds);
                for (String e : c.expected()) {
                    assertTrue(output.lines().anyMatch(l -> matches(e, l)),
                            c.source() + ": `" + c.line() + "` did not print\n  " + e + "\nit printed:\n" + tail(output));
                }
            }
        } finally {
            if (namespace != null) {
                deleteNamespace(namespace);
            }
        }
    }

    /** A network namespace for one netns block, with lo up and a TAP for each tap=NAME its commands name. */
    private static String createNamespace(Command first, List<Command> commands) throws IOException, InterruptedException {
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                first.source() + ": a netns block needs root (network namespaces, TAP devices)");
        String ns = "jvmmdoc" + ProcessHandle.current().pid();
        Set<String> taps = new LinkedHashSet<>();
        for (Command c : commands) {
            if (c.source().equals(first.source()) && c.block() == first.block()) {
                Matcher m = TAP.matcher(c.line());
                while (m.find()) {
                    taps.add(m.group(1));
                }
            }
        }
        StringBuilder setup = new StringBuilder("ip netns add " + ns + " && ip netns exec " + ns + " ip link set lo up");
        for (String tap : taps) {
            setup.append(" && ip netns exec ").append(ns).append(" ip tuntap add dev ").append(tap).append(" mode tap")
                    .append(" && ip netns exec ").append(ns).append(" ip link set ").append(tap).append(" up");
        }
        shell(List.of("sh", "-c", setup.toString()), 30);
        return ns;
    }

    private static void deleteNamespace(String ns) throws IOException, InterruptedException {
        shell(List.of("ip", "netns", "del", ns), 30);
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
        assertEquals(List.of(new Command("x.md", 1, "", "echo a", List.of("a"), false, false),
                new Command("x.md", 1, "", "true", List.of(), false, false),
                new Command("x.md", 3, "", "./jvmm run", List.of("ready"), true, false)), parse("x.md", md));
    }

    @Test
    void variablesCarryThroughTheBlockAndBackslashesContinueALine() {
        String md = """
                ```sh runnable boot netns
                $ sock=/tmp/s
                $ curl --unix-socket $sock \\
                    http://localhost/
                {"state":"Running"}
                ```
                ```sh runnable
                $ echo $sock
                ```
                """;
        assertEquals(List.of(new Command("x.md", 1, "", "sock=/tmp/s", List.of(), true, true),
                new Command("x.md", 1, "sock=/tmp/s\n", "curl --unix-socket $sock \\\n    http://localhost/",
                        List.of("{\"state\":\"Running\"}"), true, true),
                new Command("x.md", 2, "", "echo $sock", List.of(), false, false)), parse("x.md", md));
    }

    @Test
    void theLaunchersBecomeThisBuildsJvmmWhereverTheyStandAsAWord() {
        assertEquals("J run | J run; x \"J serve --a\" F --api-sock s && (J images) ./jvmmx a/./jvmm",
                LAUNCHER.matcher("./jvmm run | ./jvmm run; x \"./jvmm serve --a\" bin/firecracker --api-sock s && (./jvmm images) ./jvmmx a/./jvmm")
                        .replaceAll(m -> m.group(1).equals("./jvmm") ? "J" : "F"));
    }

    /** The README's and docs/testing.md's test command is exactly what CI runs (.ci/run's last line). */
    @Test
    void theDocumentedTestCommandIsWhatCiRuns() throws IOException {
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));
        String command = ci.get(ci.size() - 1).trim();
        assertTrue(command.startsWith(".ci/install-test-tools && "), command);
        for (String doc : List.of("README.md", "docs/testing.md")) {
            assertTrue(Files.readAllLines(ROOT.resolve(doc)).stream().anyMatch(l -> l.trim().equals(command)),
                    doc + " does not show CI's command: " + command);
        }
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
        docs.add(ROOT.resolve("examples/README.md"));
        docs.add(ROOT.resolve("guest-images/README.md"));
        return docs;
    }

    static List<Command> parse(String source, String markdown) {
        List<Command> out = new ArrayList<>();
        boolean inBlock = false;
        boolean runnable = false;
        boolean boot = false;
        boolean netns = false;
        int block = 0;
        StringBuilder setup = new StringBuilder();
        String line = null;
        String lineSetup = "";
        boolean continued = false;
        List<String> expected = new ArrayList<>();
        for (String l : markdown.split("\n", -1)) {
            if (l.startsWith("```")) {
                if (inBlock && line != null) {
                    out.add(new Command(source, block, lineSetup, line, List.copyOf(expected), boot, netns));
                }
                List<String> info = List.of(l.substring(3).trim().split("\\s+"));
                block += inBlock ? 0 : 1;
                runnable = !inBlock && info.contains("runnable");
                boot = runnable && info.contains("boot");
                netns = runnable && info.contains("netns");
                inBlock = !inBlock;
                line = null;
                continued = false;
                setup.setLength(0);
                expected.clear();
            } else if (inBlock && runnable && continued) {
                line = line + "\n" + l;
                continued = l.endsWith("\\");
            } else if (inBlock && runnable && l.startsWith("$ ")) {
                if (line != null) {
                    out.add(new Command(source, block, lineSetup, line, List.copyOf(expected), boot, netns));
                }
                line = l.substring(2);
                lineSetup = setup.toString();
                if (ASSIGNMENT.matcher(line).matches()) {
                    setup.append(line).append('\n');
                }
                continued = l.endsWith("\\");
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

    private static String run(Command c, String namespace, long timeoutSeconds) throws IOException, InterruptedException {
        String script = c.setup() + LAUNCHER.matcher(c.line()).replaceAll(m -> Matcher.quoteReplacement(
                launcher(m.group(1).equals("./jvmm") ? "jvmm" : "firecracker").toString()));
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(List.of("ip", "netns", "exec", namespace));
        }
        command.addAll(List.of("sh", "-c", script));
        return shell(command, timeoutSeconds, c.source() + ": `" + c.line() + "`");
    }

    private static String shell(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return shell(command, timeoutSeconds, "`" + String.join(" ", command) + "`");
    }

    private static String shell(List<String> command, long timeoutSeconds, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(what + " did not end within " + timeoutSeconds + " s");
        }
        // A command that left a process behind holding the output (a background server) fails here, not later.
        String out;
        try {
            out = output.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " ended but left a process holding its output", e);
        }
        assertEquals(0, p.exitValue(), what + " failed:\n" + tail(out));
        return out;
    }

    /**
     * A script in the test's temporary directory that runs this build's jvmm ({@code jvmm}) or its
     * {@code jvmm serve} ({@code firecracker}): a plain path, so it works inside quotes and {@code script -c}.
     */
    private static Path launcher(String name) {
        Path file = launchers.resolve(name);
        if (!Files.exists(file)) {
            String java = JvmmProcess.command().stream().map(DocsCommandsTest::shellQuote).collect(Collectors.joining(" "));
            try {
                Files.writeString(file, "#!/bin/sh\nexec " + java + (name.equals("firecracker") ? " serve" : "") + " \"$@\"\n");
                file.toFile().setExecutable(true);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return file;
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
