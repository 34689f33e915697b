package io.jvmm.cli.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.IntSupplier;

/**
 * Feeds the user's input to the guest's serial port on a thread of its own ({@code console-in}).
 *
 * <p>On a terminal, the terminal is put in raw mode (see {@link TerminalMode}) and {@code Ctrl-A x}
 * quits, as in QEMU; {@code Ctrl-A s} takes a snapshot (into {@code --snapshot-dir}); {@code Ctrl-A Ctrl-A} sends one Ctrl-A. When stdin is not a terminal it is a
 * plain byte stream (scripts and tests type into the guest this way) and no escape is interpreted.
 *
 * <p>Nothing here waits for the guest, and no byte is dropped. The serial port takes what fits
 * ({@link Offer}) and calls {@link #guestCanTakeMore()} when it can take more; the rest waits here.
 * <ul>
 *   <li>On a terminal, stdin is read as soon as the user types, so Ctrl-A x acts at once — during boot,
 *       with a full FIFO, for a hung or panicked guest. What the guest has not taken yet waits here
 *       (a person's typing and pastes: not bounded).
 *   <li>A byte stream is read only as far as the guest can take it now ({@link #space}), so a guest that
 *       never reads its console (a raw test binary, a guest that stopped) leaves the rest of the pipe
 *       unread for whoever reads it next, and host memory stays bounded.
 * </ul>
 */
public final class ConsoleInput {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleInput.class);
    static final int CTRL_A = 0x01;
    private static final int READ_SIZE = 4096;
    /** How long {@link #stop()} waits for the reader to end: it ends at once when its input can be woken. */
    private static final long STOP_WAIT_MILLIS = 200;

    /** Offers input to the guest without waiting; returns how many bytes it took (Serial.offerInput). */
    @FunctionalInterface
    public interface Offer {
        int offer(byte[] data, int off, int len);
    }

    private final InputStream in;
    private final Offer offer;
    private final IntSupplier space;
    private final boolean escapes;
    private final Runnable quit;
    private final Runnable snapshot;
    private final Thread thread;

    // Bytes read but not yet taken by the guest, guarded by lock. The console-in thread adds, and any
    // thread that calls guestCanTakeMore (a vCPU) offers them; neither blocks while holding the lock.
    private final Object lock = new Object();
    private byte[] pending = new byte[READ_SIZE];
    private int pendingStart;
    private int pendingEnd;

    /**
     * @param in      unbuffered stdin ({@link io.jvmm.machine.HostStdin}): bytes this reads ahead are bytes a pipe no
     *                longer holds; {@link #stop()} closes it
     * @param offer   hands bytes to the guest, taking what fits, never waiting
     * @param space   how many bytes the guest can take now (0 until its driver is ready); when it says 0
     *                the port calls {@link #guestCanTakeMore()} once that changes
     * @param escapes interpret Ctrl-A sequences (only on a terminal)
     * @param quit    called on Ctrl-A x
     */
    public ConsoleInput(InputStream in, Offer offer, IntSupplier space, boolean escapes, Runnable quit) {
        this(in, offer, space, escapes, quit, () -> { });
    }

    /**
     * As {@link #ConsoleInput(InputStream, Offer, IntSupplier, boolean, Runnable)}, and {@code snapshot} is
     * called on Ctrl-A s (on this reader's thread: it should hand the work to a thread of its own).
     */
    public ConsoleInput(InputStream in, Offer offer, IntSupplier space, boolean escapes, Runnable quit,
                        Runnable snapshot) {
        this.in = in;
        this.snapshot = snapshot;
        this.offer = offer;
        this.space = space;
        this.escapes = escapes;
        this.quit = quit;
        this.thread = Thread.ofPlatform().name("console-in").daemon(true).unstarted(this::pump);
    }

    public void start() {
        thread.start();
    }

    /**
     * Stops forwarding: interrupts the reader, closes the input (which wakes a {@link io.jvmm.machine.HostStdin}
     * blocked in its read) and waits briefly for the reader to end, so that no thread of ours sits in a native
     * read when the process exits (the JVM's exit would wait 300 ms for it).
     */
    public void stop() {
        thread.interrupt();
        try {
            in.close();
        } catch (IOException e) {
            LOG.debug("closing console input: {}", e.getMessage());
        }
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The serial port's "space available" callback: offers the waiting bytes and wakes the reader. Runs on
     * the thread that made room (a vCPU); takes only short locks and never waits for I/O.
     */
    public void guestCanTakeMore() {
        synchronized (lock) {
            offerPending();
            lock.notifyAll();
        }
    }

    /** Bytes read from stdin that the guest has not taken yet (for tests and diagnostics). */
    int pendingBytes() {
        synchronized (lock) {
            return pendingEnd - pendingStart;
        }
    }

    private void pump() {
        try {
            if (escapes) {
                pumpTerminal();
            } else {
                pumpStream();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("console input ended: {}", e.getMessage());
        }
    }

    /** A terminal: read whatever is typed at once, so the escape is seen however full the guest's FIFO is. */
    private void pumpTerminal() throws IOException {
        byte[] buf = new byte[READ_SIZE];
        EscapeFilter filter = new EscapeFilter();
        int n;
        while ((n = in.read(buf)) > 0) {
            int len = filter.filter(buf, n);
            if (len > 0) {
                deliver(buf, len); // never waits for the guest: the escape below acts at once
            }
            for (int s = filter.takeSnapshotRequests(); s > 0; s--) {
                snapshot.run();
            }
            if (filter.quitRequested()) {
                quit.run();
                return;
            }
        }
    }

    /** A byte stream: read only what the guest can take now, so unread input stays in the pipe. */
    private void pumpStream() throws IOException, InterruptedException {
        byte[] buf = new byte[READ_SIZE];
        while (true) {
            int room = awaitRoom();
            int n = in.read(buf, 0, Math.min(room, buf.length));
            if (n <= 0) {
                return;
            }
            deliver(buf, n);
        }
    }

    /** Waits until nothing is pending and the guest can take some bytes; returns how many. */
    private int awaitRoom() throws InterruptedException {
        synchronized (lock) {
            while (true) {
                if (pendingStart == pendingEnd) {
                    int room = space.getAsInt(); // 0 arms the port's callback, which needs this lock to run
                    if (room > 0) {
                        return room;
                    }
                }
                lock.wait();
            }
        }
    }

    private void deliver(byte[] buf, int len) {
        synchronized (lock) {
            if (pendingEnd + len > pending.length) {
                int waiting = pendingEnd - pendingStart;
                byte[] to = waiting + len > pending.length ? new byte[Math.max(2 * pending.length, waiting + len)] : pending;
                System.arraycopy(pending, pendingStart, to, 0, waiting);
                pending = to;
                pendingStart = 0;
                pendingEnd = waiting;
            }
            System.arraycopy(buf, 0, pending, pendingEnd, len);
            pendingEnd += len;
            offerPending();
        }
    }

    /** With lock held: hands the guest what it takes; the rest waits for {@link #guestCanTakeMore()}. */
    private void offerPending() {
        while (pendingStart < pendingEnd) {
            int taken = offer.offer(pending, pendingStart, pendingEnd - pendingStart);
            if (taken <= 0) {
                break;
            }
            pendingStart += taken;
        }
        if (pendingStart == pendingEnd) {
            pendingStart = 0;
            pendingEnd = 0;
        }
    }

    /** The Ctrl-A escape state machine, kept apart so it can be tested byte by byte. */
    static final class EscapeFilter {
        private boolean pendingCtrlA;
        private boolean quit;
        private int snapshots;

        /** Rewrites {@code buf[0..n)} in place without escape sequences; returns the new length. */
        int filter(byte[] buf, int n) {
            int out = 0;
            for (int i = 0; i < n && !quit; i++) {
                int b = buf[i] & 0xff;
                if (pendingCtrlA) {
                    pendingCtrlA = false;
                    if (b == 'x' || b == 'X') {
                        quit = true;
                    } else if (b == 's' || b == 'S') {
                        snapshots++;
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

        /** How many Ctrl-A s were typed since the last call. */
        int takeSnapshotRequests() {
            int n = snapshots;
            snapshots = 0;
            return n;
        }
    }
}
