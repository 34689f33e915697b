package io.jvmm.machine;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Passes the guest's console output through, tells the machine's listeners, and remembers whether the
 * kernel panicked, so that the reset that follows {@code panic=1} ends jvmm with a failure instead of a
 * clean exit.
 */
final class ConsoleWatcher extends FilterOutputStream {
    static final String PANIC_MARKER = "Kernel panic - not syncing";
    private static final int MAX_LINE = 512;

    private final StringBuilder line = new StringBuilder();
    private volatile String panicLine;
    private final MachineListener listener;

    ConsoleWatcher(OutputStream out) {
        this(out, new MachineListener() { });
    }

    ConsoleWatcher(OutputStream out, MachineListener listener) {
        super(out);
        this.listener = listener;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        listener.consoleOutput(new byte[] {(byte) b}, 0, 1);
        scan(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        listener.consoleOutput(b, off, len);
        for (int i = off; i < off + len; i++) {
            scan(b[i]);
        }
    }

    private void scan(int b) {
        if (b == '\n' || b == '\r') {
            if (panicLine == null && line.indexOf(PANIC_MARKER) >= 0) {
                panicLine = line.toString().strip();
            }
            line.setLength(0);
        } else if (line.length() < MAX_LINE) {
            line.append((char) (b & 0xff));
        }
    }

    /** The kernel's panic line, once one was printed. */
    Optional<String> panicLine() {
        return Optional.ofNullable(panicLine);
    }
}
