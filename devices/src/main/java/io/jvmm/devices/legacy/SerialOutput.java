package io.jvmm.devices.legacy;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmit side of {@link Serial}: collects the bytes the guest writes to THR and hands them to the
 * sink in batches, so that a line of console output costs one {@code write(2)} instead of one per byte.
 *
 * <p>Flush policy: the buffer goes to the sink on a newline, when it is full, when the UART says a
 * transmit burst ended (the guest rewrote IER or read IIR, see {@link Serial}), and on {@link #flush()}.
 * Appending happens under the UART's lock (so bytes keep the guest's order); writing to the sink happens
 * under this object's lock only, so a slow terminal never holds the register lock.
 */
final class SerialOutput {
    private static final Logger LOG = LoggerFactory.getLogger(SerialOutput.class);

    /** A few console lines; large enough that a burst rarely fills it, small enough to flush quickly. */
    static final int CAPACITY = 4096;

    private final OutputStream sink;
    private final byte[] buffer = new byte[CAPACITY];
    private int count;
    private boolean failed; // the sink threw once: warn once, keep trying
    private long lostBytes;

    SerialOutput(OutputStream sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Buffers one transmitted byte. Returns true when the caller should {@link #flush()} (after
     * releasing its own lock): the byte ended a line or the buffer is full.
     */
    synchronized boolean append(byte b) {
        if (count == buffer.length) {
            // Only reachable when a flush is pending on another thread; write it out here rather than lose it.
            writeOut();
        }
        buffer[count++] = b;
        return b == '\n' || count == buffer.length;
    }

    /** Writes buffered bytes to the sink and flushes it. Safe from any thread. */
    synchronized void flush() {
        if (count > 0) {
            writeOut();
        }
    }

    /** Bytes the sink refused (it threw); they cannot be recovered, but are counted for diagnostics. */
    synchronized long lostBytes() {
        return lostBytes;
    }

    private void writeOut() {
        int n = count;
        count = 0;
        try {
            sink.write(buffer, 0, n);
            sink.flush();
        } catch (IOException | RuntimeException e) {
            // The guest cannot be told (a 16550 has no "line broken" for output); keep running.
            lostBytes += n;
            if (!failed) {
                failed = true;
                LOG.warn("serial output: writing to the console sink failed ({}); guest output is being lost",
                        e.toString());
            }
        }
    }
}
