package io.jvmm.core.vm;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The machine's I/O thread ({@code vmm-io}): waits with poll(2) on file descriptors — ioeventfds
 * that KVM signals when the guest notifies a virtqueue, TAP devices with packets to receive — and
 * runs the handler registered for each. Device data paths run here, never on vCPU threads.
 *
 * <p>Sources are registered before {@link #start()}; the set is fixed while the loop runs. A private
 * eventfd wakes the loop for {@link #close()}.
 */
public final class IoEventLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoEventLoop.class);
    /** struct pollfd { int fd; short events; short revents; } */
    private static final long POLLFD_SIZE = 8;
    private static final short POLLIN = 0x1;

    /** What runs when a source's fd is readable. Must not block; exceptions are logged, the loop goes on. */
    @FunctionalInterface
    public interface Handler {
        void ready() throws Exception;
    }

    private record Source(String name, int fd, Handler handler, boolean drainEventFd, BooleanSupplier wanted) {
    }

    private final List<Source> sources = new ArrayList<>();
    private OwnedFd wakeup; // created by start(): a machine without I/O sources never needs it
    private volatile boolean stopping;
    private Thread thread;

    /**
     * Runs {@code handler} whenever eventfd {@code fd} is signalled; the loop resets the counter first
     * (so a notification that arrives during the handler is not lost: it makes the fd readable again).
     */
    public synchronized void addEventFd(String name, int fd, Handler handler) {
        add(new Source(name, fd, handler, true, () -> true));
    }

    /**
     * Runs {@code handler} whenever {@code fd} is readable and {@code wanted} says the consumer can
     * take data (a TAP while the guest has receive buffers: otherwise a level-triggered poll would spin).
     * {@code wanted} is evaluated before every wait; whatever makes it true again must also wake the
     * loop (for a TAP: the guest's notify on the receive queue, an eventfd of this loop).
     */
    public synchronized void addReadable(String name, int fd, BooleanSupplier wanted, Handler handler) {
        add(new Source(name, fd, handler, false, wanted));
    }

    private void add(Source s) {
        if (thread != null) {
            throw new IllegalStateException("I/O sources must be added before the loop starts");
        }
        sources.add(s);
    }

    /** Starts the {@code vmm-io} thread; does nothing when no source was added (no thread, no fds). */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        if (sources.isEmpty()) {
            return;
        }
        wakeup = Sys.eventfd(Sys.EFD_NONBLOCK);
        List<Source> fixed = List.copyOf(sources);
        thread = Thread.ofPlatform().name("vmm-io").daemon(true).start(() -> loop(fixed));
    }

    private void loop(List<Source> fixed) {
        try (Arena arena = Arena.ofConfined()) {
            int n = fixed.size() + 1;
            MemorySegment pollfds = arena.allocate(POLLFD_SIZE * n, 4);
            for (int i = 0; i < n; i++) {
                int fd = i < fixed.size() ? fixed.get(i).fd() : wakeup.fd();
                pollfds.set(ValueLayout.JAVA_INT, i * POLLFD_SIZE, fd);
                pollfds.set(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + 4, POLLIN);
            }
            MemorySegment counter = arena.allocate(8);
            while (!stopping) {
                for (int i = 0; i < n; i++) {
                    boolean wanted = i == fixed.size() || fixed.get(i).wanted().getAsBoolean();
                    // A negative fd makes poll(2) skip the entry.
                    int fd = i < fixed.size() ? fixed.get(i).fd() : wakeup.fd();
                    pollfds.set(ValueLayout.JAVA_INT, i * POLLFD_SIZE, wanted ? fd : -1);
                    pollfds.set(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + 6, (short) 0);
                }
                int ready = Sys.poll(pollfds, n, -1);
                if (ready <= 0) {
                    continue; // EINTR
                }
                for (int i = 0; i < fixed.size() && !stopping; i++) {
                    if (pollfds.get(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + 6) == 0) {
                        continue;
                    }
                    Source s = fixed.get(i);
                    if (s.drainEventFd()) {
                        Sys.read(s.fd(), counter, s.name());
                    }
                    try {
                        s.handler().ready();
                    } catch (Exception e) {
                        LOG.warn("{}: {}", s.name(), e.toString());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("I/O loop stopped: {}", e.toString());
        }
    }

    /** Stops and joins the loop thread, then closes its wakeup fd. Sources' fds belong to their owners. */
    @Override
    public void close() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(8);
                one.set(ValueLayout.JAVA_LONG, 0, 1);
                Sys.write(wakeup.fd(), one, "io wakeup");
            }
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            wakeup.close();
        }
    }
}
