package io.jvmm.cli.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;

/**
 * Feeds the user's input to the guest's serial port on a thread of its own ({@code console-in}).
 *
 * <p>On a terminal, the terminal is put in raw mode (see {@link TerminalMode}) and {@code Ctrl-A x}
 * quits, as in QEMU; {@code Ctrl-A Ctrl-A} sends one Ctrl-A. When stdin is not a terminal it is a
 * plain byte stream (scripts and tests type into the guest this way) and no escape is interpreted.
 */
public final class ConsoleInput {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleInput.class);
    static final int CTRL_A = 0x01;

    /** Where input bytes go; blocks while the guest cannot take more (nothing is dropped). */
    @FunctionalInterface
    public interface Sink {
        void accept(byte[] data, int off, int len) throws InterruptedException;
    }

    private final InputStream in;
    private final Sink sink;
    private final boolean escapes;
    private final Runnable quit;
    private final Thread thread;

    /**
     * @param escapes interpret Ctrl-A sequences (only on a terminal)
     * @param quit    called on Ctrl-A x
     */
    public ConsoleInput(InputStream in, Sink sink, boolean escapes, Runnable quit) {
        this.in = in;
        this.sink = sink;
        this.escapes = escapes;
        this.quit = quit;
        this.thread = Thread.ofPlatform().name("console-in").daemon(true).unstarted(this::pump);
    }

    public void start() {
        thread.start();
    }

    /** Stops forwarding (the thread may stay blocked in read until the process exits: it is a daemon). */
    public void stop() {
        thread.interrupt();
    }

    private void pump() {
        byte[] buf = new byte[4096];
        EscapeFilter filter = new EscapeFilter();
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int len = escapes ? filter.filter(buf, n) : n;
                if (len > 0) {
                    sink.accept(buf, 0, len);
                }
                if (filter.quitRequested()) {
                    quit.run();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("console input ended: {}", e.getMessage());
        }
    }

    /** The Ctrl-A escape state machine, kept apart so it can be tested byte by byte. */
    static final class EscapeFilter {
        private boolean pendingCtrlA;
        private boolean quit;

        /** Rewrites {@code buf[0..n)} in place without escape sequences; returns the new length. */
        int filter(byte[] buf, int n) {
            int out = 0;
            for (int i = 0; i < n && !quit; i++) {
                int b = buf[i] & 0xff;
                if (pendingCtrlA) {
                    pendingCtrlA = false;
                    if (b == 'x' || b == 'X') {
                        quit = true;
                    } else if (b == CTRL_A) {
                        buf[out++] = (byte) CTRL_A;
                    }
                    // any other key after Ctrl-A is swallowed, as QEMU does for unknown commands
                } else if (b == CTRL_A) {
                    pendingCtrlA = true;
                } else {
                    buf[out++] = (byte) b;
                }
            }
            return out;
        }

        boolean quitRequested() {
            return quit;
        }
    }
}
