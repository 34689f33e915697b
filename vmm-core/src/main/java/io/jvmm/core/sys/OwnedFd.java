package io.jvmm.core.sys;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor jvmm opened and must close exactly once. {@link #close()} is idempotent, so an
 * owner may close on every exit path without tracking whether it already did.
 */
public final class OwnedFd implements AutoCloseable {
    private final int fd;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedFd(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** The raw descriptor; valid until {@link #close()}. */
    public int fd() {
        if (closed.get()) {
            throw new IllegalStateException(what + " (fd " + fd + ") is closed");
        }
        return fd;
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Sys.close(fd, what);
        }
    }

    @Override
    public String toString() {
        return what + " (fd " + fd + ")";
    }
}
