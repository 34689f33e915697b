package io.jvmm.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code jvmm --help}'s usage message, rendered by picocli at build time and printed from a resource at run time.
 *
 * <p>Rendering it costs a cold JVM ~60 ms of picocli code (every subcommand's model, then the text), two thirds of a
 * {@code jvmm --help} on the emulating host, and the text depends only on the annotations. The build runs
 * {@link #main} after compiling (exec-maven-plugin, phase process-classes), which writes the message with and without
 * ANSI styles as {@code usage.txt} and {@code usage-ansi.txt} beside this class; {@code UsageTextTest} compares both
 * with what picocli prints at run time. {@link #printCached} prints the one picocli's own {@code Help.Ansi.AUTO}
 * would choose, and declines (picocli renders the message as before) when a {@code picocli.*} system property could
 * change it (width, colours, ANSI forced) or the resource is missing.
 */
public final class UsageText {
    static final String PLAIN = "usage.txt";
    static final String ANSI = "usage-ansi.txt";

    private UsageText() {
    }

    /** picocli's usage message of {@code jvmm}, every subcommand listed, with or without ANSI styles. */
    static String render(boolean ansi) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Main.commandLine().usage(out, ansi ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Prints the usage message from the build's resource, as picocli would print it for {@code jvmm --help}; false
     * (nothing printed) when picocli has to render it.
     */
    static boolean printCached(PrintStream out) {
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("picocli.")) {
                return false;
            }
        }
        String text;
        try (InputStream in = UsageText.class.getResourceAsStream(CommandLine.Help.Ansi.AUTO.enabled() ? ANSI : PLAIN)) {
            if (in == null) {
                return false;
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false;
        }
        out.print(text);   // in the stream's charset (stdout.encoding), as picocli's writer encodes it
        out.flush();
        return true;
    }

    /** Build step: writes {@value #PLAIN} and {@value #ANSI} into the directory {@code args[0]}. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(PLAIN), render(false), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(ANSI), render(true), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
