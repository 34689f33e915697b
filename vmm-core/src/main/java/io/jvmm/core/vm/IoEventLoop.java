package io.jvmm.core.vm;

import io.jvmm.core.lifecycle.MachineExit;
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
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static io.jvmm.core.sys.Sys.POLLFD_EVENTS;
import static io.jvmm.core.sys.Sys.POLLFD_REVENTS;
import static io.jvmm.core.sys.Sys.POLLFD_SIZE;
import static io.jvmm.core.sys.Sys.POLLIN;

/**
 * The machine's I/O thread ({@code vmm-io}): waits with poll(2) on file descriptors — ioeventfds
 * that KVM signals when the guest notifies a virtqueue, TAP devices with packets to receive — and
 * runs the handler registered for each. Device data paths run here, never on vCPU threads.
 *
 * <p>Sources are registered before {@link #start()}; the set is fixed while the loop runs. Other
 * threads steer the loop through a handshake: they set the state they want (run, pause, stop) under
 * the loop's monitor and write its private wakeup eventfd; the loop looks between two handler runs
 * and before each poll, so a handler is never cut short.
 * <pre>
 *   pause():  want PAUSE ─► wakeup ─► loop parks (no handler runs) ─► "parked" ─► pause() returns
 *   resume(): want RUN   ─► loop polls again; notifications that came meanwhile are still pending
 *   stopAndJoin(): want STOP ─► wakeup ─► loop ends ─► join ─► wakeup fd closed (only then)
 * </pre>
 * Any exception on the loop (a handler's, or a failed poll) ends it and reports a failure exit, so
 * the machine stops: a guest must not run on with queues no one serves.
 */
public final class IoEventLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoEventLoop.class);
    /** struct pollfd { int fd; short events; short revents; } */

    /** What runs when a source's fd is readable. Must not block; an exception stops the machine. */
    @FunctionalInterface
    public interface Handler {
        void ready() throws Exception;
    }

    private record Source(String name, int fd, Handler handler, boolean drainEventFd, BooleanSupplier wanted) {
    }

    private enum Want { RUN, PAUSE, STOP }

    private final List<Source> sources = new ArrayList<>();
    private final Consumer<MachineExit> onFailure;
    private final Object control = new Object();
    /** The state other threads ask for; written under {@code control}, read by the loop between handlers. */
    private volatile Want want = Want.RUN;
    private boolean parked; // guarded by control
    /** Set by {@link #start(boolean)} with hold: the loop parks until {@link #release()}, whatever is wanted. */
    private boolean held; // guarded by control
    private boolean ended;  // guarded by control
    private OwnedFd wakeup; // created by start(): a machine without I/O sources never needs it
    private Thread thread;

    /** @param onFailure told once if the loop dies of an exception (the machine then stops) */
    public IoEventLoop(Consumer<MachineExit> onFailure) {
        this.onFailure = Objects.requireNonNull(onFailure);
    }

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
    public void start() {
        start(false);
    }

    /**
     * {@link #start()}; with {@code hold} the loop parks before its first poll (a {@link #pause()} meanwhile
     * finds it parked) until {@link #release()}, which any thread may call without waiting for the loop: a
     * restored machine starts it held and its last vCPU to be set up releases it, before any vCPU runs.
     */
    public synchronized void start(boolean hold) {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        if (sources.isEmpty()) {
            return;
        }
        synchronized (control) {
            held = hold;
        }
        wakeup = Sys.eventfd(Sys.EFD_NONBLOCK);
        List<Source> fixed = List.copyOf(sources);
        thread = Thread.ofPlatform().name("vmm-io").daemon(true).start(() -> loop(fixed));
    }

    /** True on the {@code vmm-io} thread itself. */
    public synchronized boolean isLoopThread() {
        return thread != null && Thread.currentThread() == thread;
    }

    private void loop(List<Source> fixed) {
        try (Arena arena = Arena.ofConfined()) {
            int n = fixed.size() + 1; // the sources, then the wakeup fd
            MemorySegment pollfds = arena.allocate(POLLFD_SIZE * n, 4);
            MemorySegment counter = arena.allocate(8);
            while (awaitRunnable()) {
                for (int i = 0; i < n; i++) {
                    boolean wanted = i == fixed.size() || fixed.get(i).wanted().getAsBoolean();
                    int fd = i < fixed.size() ? fixed.get(i).fd() : wakeup.fd();
                    pollfds.set(ValueLayout.JAVA_INT, i * POLLFD_SIZE, wanted ? fd : -1); // < 0: poll skips it
                    pollfds.set(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + POLLFD_EVENTS, POLLIN);
                    pollfds.set(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
                }
                int ready = Sys.poll(pollfds, n, -1);
                if (ready <= 0) {
                    continue; // EINTR
                }
                if (pollfds.get(ValueLayout.JAVA_SHORT, fixed.size() * POLLFD_SIZE + POLLFD_REVENTS) != 0) {
                    Sys.read(wakeup.fd(), counter, "io wakeup");
                }
                for (int i = 0; i < fixed.size() && want == Want.RUN; i++) {
                    if (pollfds.get(ValueLayout.JAVA_SHORT, i * POLLFD_SIZE + POLLFD_REVENTS) == 0) {
                        continue;
                    }
                    Source s = fixed.get(i);
                    if (s.drainEventFd()) {
                        Sys.read(s.fd(), counter, s.name());
                    }
                    try {
                        s.handler().ready();
                    } catch (Exception e) {
                        fail(MachineExit.failure("vmm-io: " + s.name() + ": " + e, e));
                        return;
                    }
                }
            }
        } catch (Throwable t) {
            fail(MachineExit.failure("vmm-io: I/O loop failed: " + t, t));
        } finally {
            synchronized (control) {
                ended = true;
                control.notifyAll();
            }
        }
    }

    private void fail(MachineExit exit) {
        LOG.error("{}; stopping the machine", exit.reason());
        onFailure.accept(exit);
    }

    /** Parks while a pause is wanted; false once a stop is. Runs on the loop thread, between handlers. */
    private boolean awaitRunnable() throws InterruptedException {
        synchronized (control) {
            while (want == Want.PAUSE || held && want != Want.STOP) {
                if (!parked) {
                    parked = true;
                    control.notifyAll();
                }
                control.wait();
            }
            parked = false;
            return want == Want.RUN;
        }
    }

    /**
     * Quiesces the loop: returns once it is parked between two handler runs (or has ended, or was never
     * started). Notifications that arrive while paused stay pending in their fds until {@link #resume()}.
     */
    public void pause() {
        synchronized (control) {
            if (thread == null || want != Want.RUN) {
                return;
            }
            want = Want.PAUSE;
        }
        wake();
        boolean interrupted = false;
        synchronized (control) {
            while (!parked && !ended && want == Want.PAUSE) {
                try {
                    control.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // pause() promises a parked loop: wait on, keep the interrupt
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the hold of {@link #start(boolean)}: the loop runs unless a pause is wanted. Returns at once. */
    public void release() {
        synchronized (control) {
            held = false;
            control.notifyAll();
        }
    }

    /** Lets a paused loop run again. */
    public void resume() {
        synchronized (control) {
            if (want == Want.PAUSE) {
                want = Want.RUN;
                control.notifyAll();
            }
        }
    }

    /**
     * Stops the loop and waits up to {@code timeout} for its thread to end; then closes the wakeup fd.
     * Returns false if the thread is still alive (a handler that does not return): then nothing is
     * closed, the caller must not release what the handlers use, and may call again later.
     */
    public boolean stopAndJoin(Duration timeout) {
        Thread t;
        synchronized (control) {
            want = Want.STOP;
            control.notifyAll();
            t = thread;
        }
        if (t == null) {
            return true;
        }
        if (t.isAlive()) {
            wake();
            try {
                if (!t.join(timeout)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        synchronized (control) {
            wakeup.close();
        }
        return true;
    }

    /** {@link #stopAndJoin} with 5 s; a thread that does not end is reported, and its wakeup fd kept. */
    @Override
    public void close() {
        if (!stopAndJoin(Duration.ofSeconds(5))) {
            LOG.error("vmm-io did not stop within 5 s; its wakeup fd stays open");
        }
    }

    /** Writes the wakeup eventfd (closed only under the same monitor, once the thread has ended). */
    private void wake() {
        synchronized (control) {
            if (wakeup.isClosed()) {
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(8);
                one.set(ValueLayout.JAVA_LONG, 0, 1);
                Sys.write(wakeup.fd(), one, "io wakeup"); // non-blocking eventfd: never waits
            }
        }
    }
}
