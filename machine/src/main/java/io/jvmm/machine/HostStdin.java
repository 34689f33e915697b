package io.jvmm.machine;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.SysCallException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jvmm.core.sys.Sys.POLLFD_EVENTS;
import static io.jvmm.core.sys.Sys.POLLFD_REVENTS;
import static io.jvmm.core.sys.Sys.POLLFD_SIZE;
import static io.jvmm.core.sys.Sys.POLLIN;

/**
 * This process's stdin (fd 0), unbuffered, whose blocked {@link #read} {@link #close()} wakes: the reader
 * waits with poll(2) on fd 0 and on an eventfd that close() signals, and then returns end of input. fd 0
 * itself is never closed.
 *
 * <p>Why: a thread blocked in a plain read(2) of stdin (FileInputStream) cannot be woken, and HotSpot's
 * exit waits up to 300 ms (30 × 10 ms, VM_Exit::wait_for_threads_in_native_to_block) for threads that sit in
 * native code. Every {@code jvmm run} whose stdin stayed open (a terminal, a pipe) paid those 300 ms at exit.
 */
public final class HostStdin extends InputStream {
    private static final int STDIN = 0;
    private static final int BUFFER = 4096;

    private final int fd;
    private final OwnedFd wake;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment pollfds;
    private final MemorySegment one;

    // guarded by this: whether a read is under way (then close() only signals, and the reader frees)
    private boolean reading;
    private boolean closed;

    private HostStdin(int fd, OwnedFd wake) {
        this.fd = fd;
        this.wake = wake;
        this.buffer = arena.allocate(BUFFER);
        this.pollfds = arena.allocate(2L * POLLFD_SIZE, 4);
        this.one = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        pollfds.set(ValueLayout.JAVA_INT, 0, fd);
        pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_EVENTS, POLLIN);
        pollfds.set(ValueLayout.JAVA_INT, POLLFD_SIZE, wake.fd());
        pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_SIZE + POLLFD_EVENTS, POLLIN);
    }

    /** stdin of this process; throws IllegalStateException when no eventfd can be made (out of descriptors). */
    public static HostStdin open() {
        return of(STDIN);
    }

    /** As {@link #open()} over another descriptor that this stream does not own (tests read a FIFO). */
    static HostStdin of(int fd) {
        try {
            return new HostStdin(fd, Sys.eventfd(0));
        } catch (SysCallException e) {
            throw new IllegalStateException("stdin: " + e.getMessage(), e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) == 1 ? b[0] & 0xff : -1;
    }

    /** Waits until stdin has input, ends, or {@link #close()} is called (then -1); reads at most {@code len} bytes. */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        synchronized (this) {
            if (closed) {
                return -1;
            }
            reading = true;
        }
        try {
            return readWhenReady(b, off, Math.min(len, BUFFER));
        } catch (SysCallException e) {
            throw new IOException("stdin: " + e.getMessage(), e);
        } finally {
            synchronized (this) {
                reading = false;
                if (closed) {
                    release();
                }
            }
        }
    }

    private int readWhenReady(byte[] b, int off, int len) {
        while (true) {
            pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_REVENTS, (short) 0);
            pollfds.set(ValueLayout.JAVA_SHORT, POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
            int ready = Sys.poll(pollfds, 2, -1);
            if (ready < 0) {
                continue; // EINTR
            }
            if (pollfds.get(ValueLayout.JAVA_SHORT, POLLFD_SIZE + POLLFD_REVENTS) != 0) {
                return -1; // close(): the reader is done
            }
            if (pollfds.get(ValueLayout.JAVA_SHORT, POLLFD_REVENTS) == 0) {
                continue;
            }
            // POLLIN, POLLHUP (the writer is gone: read says 0) or POLLERR/POLLNVAL (read says why)
            long n = Sys.read(fd, buffer.asSlice(0, len), "stdin");
            if (n < 0) {
                continue; // EAGAIN (someone made fd 0 non-blocking) or EINTR: wait again
            }
            if (n == 0) {
                return -1;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
            return (int) n;
        }
    }

    /** Ends a read under way (it returns -1) and every later one; fd 0 stays open. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reading) {
            Sys.write(wake.fd(), one, "stdin wake-up eventfd"); // the reader frees the eventfd and buffers
        } else {
            release();
        }
    }

    private void release() {
        wake.close();
        arena.close();
    }
}
