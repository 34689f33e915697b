package io.jvmm.cli.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.LongSupplier;

/**
 * Watches a guest's (or container's) console output for the moments the benchmark times: the first byte
 * (a kernel's first message: it has reached C code and set up its console) and the line
 * {@value #READY_LINE}, which jvmm's /init prints first, and the kernel's last words before a reset, both in a VM and in the container bundle. The same
 * marker works for every system, so jvmm, QEMU and the containers are compared on equal terms; the
 * boot-timer device (0xC0000000) only exists in jvmm.
 *
 * <p>Bytes are passed on to {@code out} (null: dropped). Times come from the clock given, in nanoseconds.
 */
public final class ConsoleMarkers extends OutputStream {
    public static final String READY_LINE = "jvmm-init: ready";
    /**
     * What the benchmark types into a restored guest's (or an interactive container's) shell, and the line
     * that answers it: the shell has to evaluate the arithmetic, so the echo of the typed line (which holds
     * {@code $((6*7))}, not 42) does not count as the answer.
     */
    public static final String TYPED_COMMAND = "echo jvmm-restored-$((6*7))";
    public static final String REPLY_LINE = "jvmm-restored-42";
    /** What Linux prints as it resets or powers off (kernel/reboot.c: kernel_restart, kernel_power_off). */
    static final String[] POWEROFF_LINES = {"reboot: Restarting system", "reboot: Power down", "reboot: System halted"};
    private static final int MAX_LINE = 256;

    private final OutputStream out;
    private final LongSupplier clock;
    private final StringBuilder line = new StringBuilder();
    private volatile long firstByteNanos = -1;
    private volatile long readyNanos = -1;
    private volatile long poweroffNanos = -1;
    private volatile long replyNanos = -1;
    private volatile String lastLine = "";

    public ConsoleMarkers(OutputStream out, LongSupplier clock) {
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void write(int b) throws IOException {
        if (out != null) {
            out.write(b);
        }
        scan(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (out != null) {
            out.write(b, off, len);
        }
        for (int i = off; i < off + len; i++) {
            scan(b[i]);
        }
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /** Feeds one whole line (for readers that already split lines), stamped now. */
    public void line(String text) {
        for (int i = 0; i < text.length(); i++) {
            scan(text.charAt(i));
        }
        scan('\n');
    }

    private synchronized void scan(int b) {
        if (firstByteNanos < 0) {
            firstByteNanos = clock.getAsLong();
        }
        if (b == '\n' || b == '\r') {
            if (!line.isEmpty()) {
                String l = line.toString();
                // A serial console may prefix the line with a kernel message's tail: match anywhere.
                if (readyNanos < 0 && l.contains(READY_LINE)) {
                    readyNanos = clock.getAsLong();
                }
                if (replyNanos < 0 && l.contains(REPLY_LINE) && !l.contains(TYPED_COMMAND)) {
                    replyNanos = clock.getAsLong();
                }
                if (poweroffNanos < 0) {
                    for (String p : POWEROFF_LINES) {
                        if (l.contains(p)) {
                            poweroffNanos = clock.getAsLong();
                        }
                    }
                }
                lastLine = l.strip();
            }
            line.setLength(0);
        } else if (line.length() < MAX_LINE) {
            line.append((char) (b & 0xff));
        }
    }

    /** When the first byte arrived, or -1. */
    public long firstByteNanos() {
        return firstByteNanos;
    }

    /** When the ready line was complete, or -1. */
    public long readyNanos() {
        return readyNanos;
    }

    /** When the answer to {@link #TYPED_COMMAND} was complete, or -1. */
    public long replyNanos() {
        return replyNanos;
    }

    /** When the guest kernel said it was resetting or powering off, or -1. */
    public long poweroffNanos() {
        return poweroffNanos;
    }

    /** The last complete non-empty line (for progress output). */
    public String lastLine() {
        return lastLine;
    }
}
