package io.jvmm.cli.console;

import io.jvmm.machine.RawTerminal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the controlling terminal in raw mode (keys go to the guest as typed: Ctrl-C reaches the guest's
 * shell instead of killing jvmm) and restores it exactly on every exit path, including a JVM shutdown
 * by signal. tcgetattr/tcsetattr in-process (through the machine module): a running VMM's seccomp filter
 * refuses execve, so an stty child could not restore the terminal at exit.
 */
public final class TerminalMode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TerminalMode.class);
    private static final int STDIN = 0;

    private final RawTerminal terminal;
    private final Thread restoreHook;
    private boolean restored;

    private TerminalMode(RawTerminal terminal) {
        this.terminal = terminal;
        this.restoreHook = new Thread(this::restore, "terminal-restore");
        Runtime.getRuntime().addShutdownHook(restoreHook);
    }

    /** Switches stdin's terminal to raw mode, or returns null if that fails (then input stays cooked). */
    public static TerminalMode enterRaw() {
        try {
            return new TerminalMode(RawTerminal.enter(STDIN));
        } catch (IllegalStateException e) {
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
            terminal.restore();
        } catch (IllegalStateException e) {
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
}
