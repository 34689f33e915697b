package io.jvmm.devices.legacy;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmit side of {@link Serial}: collects the bytes the guest writes to THR and hands them to the
 * sink in batches, on a writer thread of its own ({@code serial-out}), so that a line of console output
 * costs one {@code write(2)} and a slow or stopped console (a full pipe, Ctrl-S on the terminal) never
 * stalls a vCPU.
 *
 * <pre>
 *   vCPU (UART lock held)          this object's lock            writer thread, no lock held
 *   append(b) ──► ring buffer ─── requestFlush() ──► take all ──► sink.write(chunk); sink.flush()
 *                 (CAPACITY bytes,                     bytes
 *                  drops the oldest when full)
 * </pre>
 *
 * <p>Flush policy: the buffered bytes go to the sink on a newline, when {@link #FLUSH_THRESHOLD} bytes
 * are waiting, when the UART says a transmit burst ended (the guest rewrote IER or read IIR, see
 * {@link Serial}), and on {@link #drain}. Requests only wake the writer: nothing a vCPU calls waits for
 * {@code write(2)}; the lock is held for copying bytes, never across a write.
 *
 * <p>Bound: at most {@link #CAPACITY} bytes wait here (plus the chunk being written). When the console
 * does not keep up, the <em>oldest</em> waiting bytes are dropped — the newest output (a prompt, a panic)
 * is what a user needs when the console resumes — and counted ({@link #droppedBytes()}). The first drop
 * is said once on the log (stderr), from a short-lived thread of its own ({@code serial-out-warn}: stderr
 * may be the same stopped terminal, and no vCPU may wait for it); {@link #drain} gives the total at exit.
 * A real UART without flow control loses bytes as well; the guest cannot be told.
 *
 * <p>The ring and the writer's chunk start at {@link #INITIAL_CAPACITY} bytes and double (up to
 * {@link #CAPACITY}) only when more bytes wait: a VM whose console prints a line at a time keeps 8 KiB here
 * instead of 128 KiB, which counts when one process hosts many VMs (50 restored clones: 6 MiB).
 *
 * <p>The writer thread starts on the first flush request and ends after {@link #drain} has written
 * everything (or after a second without work), so a closed machine leaves no thread behind unless the
 * sink is blocked for good (the thread is a daemon and does not keep the JVM alive).
 */
final class SerialOutput {
    private static final Logger LOG = LoggerFactory.getLogger(SerialOutput.class);

    /** At most this many bytes wait for the sink; older ones are dropped beyond it. */
    static final int CAPACITY = 64 * 1024;
    /** The ring's and the chunk's first size; both double on demand up to {@link #CAPACITY}. */
    static final int INITIAL_CAPACITY = 4096;
    /** A partial line is handed to the writer once this many bytes wait. */
    static final int FLUSH_THRESHOLD = 4096;
    /** How long an idle writer thread waits for more work before it ends. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Bound on waiting for an ended writer to leave (it only has to wake up and see the request). */
    private static final long JOIN_MILLIS = 5_000;

    private final OutputStream sink;
    private final ReentrantLock lock = new ReentrantLock();
    /** The writer waits on it for a flush request or the request to end. */
    private final Condition work = lock.newCondition();
    /** {@link #drain} waits on it for everything to be written. */
    private final Condition written = lock.newCondition();

    // Guarded by lock.
    private byte[] ring = new byte[INITIAL_CAPACITY];
    private int head;
    private int count;
    private boolean flushRequested;
    private int writing;            // bytes the writer took and has not finished writing
    private boolean endWriter;      // drain is done: the writer ends instead of lingering
    private Thread writer;          // the running writer thread, or null
    private long droppedBytes;
    private boolean dropWarned;     // the one warning about drops has been started
    private long dropsReported;     // droppedBytes when drain last reported them
    private long lostBytes;

    // Owned by the writer thread.
    private byte[] chunk = new byte[INITIAL_CAPACITY];
    private boolean failed; // the sink threw once: warn once, keep trying

    SerialOutput(OutputStream sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Buffers one transmitted byte; never waits for the sink. Returns true when the caller should
     * {@link #requestFlush()} (after releasing its own lock): the byte ended a line or enough bytes wait.
     */
    boolean append(byte b) {
        lock.lock();
        try {
            if (count == ring.length && ring.length < CAPACITY) {
                grow();
            }
            if (count == CAPACITY) {
                head = (head + 1) % CAPACITY; // the console is not keeping up: drop the oldest byte
                count--;
                droppedBytes++;
            }
            ring[(head + count) % ring.length] = b;
            count++;
            return b == '\n' || count >= FLUSH_THRESHOLD;
        } finally {
            lock.unlock();
        }
    }

    /** Guest output not yet handed to the sink: waiting in the ring or being written (for diagnostics). */
    int pendingBytes() {
        lock.lock();
        try {
            return count + writing;
        } finally {
            lock.unlock();
        }
    }

    /** The ring's current size (for tests). */
    int ringCapacity() {
        lock.lock();
        try {
            return ring.length;
        } finally {
            lock.unlock();
        }
    }

    /** Doubles the full ring, its bytes moved to the front in order. Lock held. */
    private void grow() {
        byte[] bigger = new byte[Math.min(CAPACITY, ring.length * 2)];
        int first = Math.min(count, ring.length - head);
        System.arraycopy(ring, head, bigger, 0, first);
        System.arraycopy(ring, 0, bigger, first, count - first);
        ring = bigger;
        head = 0;
    }

    /** Asks the writer thread to write what is buffered; returns at once. Safe from any thread. */
    void requestFlush() {
        boolean warn = false;
        lock.lock();
        try {
            if (count > 0) {
                flushRequested = true;
                wakeWriter();
            }
            if (droppedBytes > 0 && !dropWarned) {
                dropWarned = true;
                warn = true;
            }
        } finally {
            lock.unlock();
        }
        if (warn) {
            Thread.ofPlatform().name("serial-out-warn").daemon(true).start(() -> LOG.warn(
                    "serial output: the console is not taking guest output (a full pipe? a paused terminal?); "
                            + "beyond {} waiting bytes the oldest are dropped, the total is reported at exit", CAPACITY));
        }
    }

    /**
     * Writes everything buffered and waits (at most {@code timeout}) until the sink took it; then lets the
     * writer thread end. Returns false, after saying on the log how many bytes are still waiting, when the
     * sink did not take them in time (a console that is not being read).
     */
    boolean drain(long timeout, TimeUnit unit) {
        Thread ended = null;
        String drops;
        int unwritten;
        lock.lock();
        try {
            long left = unit.toNanos(timeout);
            if (count > 0) {
                flushRequested = true;
                wakeWriter();
            }
            while ((count > 0 || writing > 0) && left > 0) {
                try {
                    left = written.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            drops = dropReport();
            unwritten = count + writing;
            if (unwritten == 0 && writer != null) {
                // Everything is out: let the writer end now rather than linger, and wait for it to leave
                // (unless new output keeps it busy: then it is not ours to wait for).
                Thread current = writer;
                endWriter = true;
                work.signalAll();
                long wait = TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
                while (writer == current && endWriter && wait > 0) {
                    try {
                        wait = written.awaitNanos(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                if (writer != current) {
                    ended = current;
                }
            }
        } finally {
            lock.unlock();
        }
        // Logging happens without the lock: stderr may be the same stopped terminal as the sink.
        if (drops != null) {
            LOG.warn(drops);
        }
        if (unwritten > 0) {
            LOG.warn("serial output: the console is not taking guest output; {} bytes not written", unwritten);
            return false;
        }
        if (ended != null) {
            try {
                ended.join(JOIN_MILLIS); // it has left its loop: this returns at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }

    /** Bytes dropped because the console did not keep up (the oldest were dropped). */
    long droppedBytes() {
        lock.lock();
        try {
            return droppedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes the sink refused (it threw); they cannot be recovered, but are counted for diagnostics. */
    long lostBytes() {
        lock.lock();
        try {
            return lostBytes;
        } finally {
            lock.unlock();
        }
    }

    /** With lock held: makes sure a writer runs and sees the request. */
    private void wakeWriter() {
        endWriter = false;
        if (writer == null) {
            writer = Thread.ofPlatform().name("serial-out").daemon(true).unstarted(this::writeLoop);
            writer.start();
        } else {
            work.signalAll();
        }
    }

    /** With lock held: the total of bytes dropped since the last report, or null; the caller logs it unlocked. */
    private String dropReport() {
        if (droppedBytes == dropsReported) {
            return null;
        }
        dropsReported = droppedBytes;
        return "serial output: " + droppedBytes + " bytes of guest output were dropped in all while the console "
                + "did not keep up (at most " + CAPACITY + " bytes wait for it)";
    }

    private void writeLoop() {
        while (true) {
            int n;
            lock.lock();
            try {
                long linger = LINGER_NANOS;
                while (!(flushRequested && count > 0)) {
                    if (endWriter || linger <= 0) {
                        writer = null;
                        flushRequested = false;
                        written.signalAll(); // drain may wait for this thread to leave
                        return;
                    }
                    try {
                        linger = work.awaitNanos(linger);
                    } catch (InterruptedException e) {
                        writer = null;
                        written.signalAll();
                        return;
                    }
                }
                // Swap: take every waiting byte into the writer's own chunk, then write without the lock.
                n = count;
                if (chunk.length < n) {
                    chunk = new byte[ring.length];   // the ring grew: so does the chunk, once
                }
                int first = Math.min(n, ring.length - head);
                System.arraycopy(ring, head, chunk, 0, first);
                System.arraycopy(ring, 0, chunk, first, n - first);
                head = 0;
                count = 0;
                flushRequested = false;
                writing = n;
            } finally {
                lock.unlock();
            }
            boolean ok = writeChunk(n);
            lock.lock();
            try {
                writing = 0;
                if (!ok) {
                    lostBytes += n;
                }
                if (count == 0) {
                    written.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean writeChunk(int n) {
        try {
            sink.write(chunk, 0, n);
            sink.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            // The guest cannot be told (a 16550 has no "line broken" for output); keep running.
            if (!failed) {
                failed = true;
                LOG.warn("serial output: writing to the console sink failed ({}); guest output is being lost",
                        e.toString());
            }
            return false;
        }
    }
}
