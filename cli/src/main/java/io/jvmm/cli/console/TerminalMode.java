package io.jvmm.cli.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Puts the controlling terminal in raw mode (keys go to the guest as typed: Ctrl-C reaches the guest's
 * shell instead of killing jvmm) and restores it exactly on every exit path, including a JVM shutdown
 * by signal. Uses stty(1), which every Linux host has; no native terminal code needed.
 */
public final class TerminalMode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TerminalMode.class);

    private final String saved;
    private final Thread restoreHook;
    private boolean restored;

    private TerminalMode(String saved) {
        this.saved = saved;
        this.restoreHook = new Thread(this::restore, "terminal-restore");
        Runtime.getRuntime().addShutdownHook(restoreHook);
    }

    /** Switches stdin's terminal to raw mode, or returns null if that fails (then input stays cooked). */
    public static TerminalMode enterRaw() {
        try {
            String saved = stty("-g").trim();
            stty("raw", "-echo");
            return new TerminalMode(saved);
        } catch (IOException e) {
            LOG.warn("cannot put the terminal in raw mode ({}); input is line-buffered", e.getMessage());
            return null;
        }
    }

    private synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("jvmm: could not restore the terminal (" + e.getMessage() + "); run 'stty sane'");
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs (and finds the terminal restored)
        }
    }

    private static String stty(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }
}
