package io.jvmm.machine;

import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An interrupt line delivered through an irqfd: writing 1 to the eventfd makes KVM raise the GSI in
 * the in-kernel IOAPIC without any exit or ioctl on our side.
 *
 * <p>Devices trigger from several threads (vCPUs, {@code vmm-io}, console input) and a trigger may race
 * {@link #close()}. A use count makes them safe against each other, as the JDK's NativeThreadSet does for
 * channels: a trigger registers itself before it reads the fd number and leaves after its write; close
 * marks the line closed, waits until no trigger is inside, and only then closes the fd. So the fd number is
 * never written once closed (the kernel may have handed it to someone else already).
 */
final class EventFdInterrupt implements InterruptLine, AutoCloseable {
    /** The 8-byte counter increment each trigger writes; one per thread, since devices trigger from several. */
    private static final ThreadLocal<MemorySegment> ONE = ThreadLocal.withInitial(() -> {
        MemorySegment s = Arena.ofAuto().allocate(8);
        s.set(ValueLayout.JAVA_LONG, 0, 1L);
        return s;
    });
    private static final int CLOSED = 1 << 30;

    private final OwnedFd eventFd;
    private final int gsi;
    /** Triggers in progress, plus {@link #CLOSED} once close() began. */
    private final AtomicInteger users = new AtomicInteger();

    EventFdInterrupt(OwnedFd eventFd, int gsi) {
        this.eventFd = eventFd;
        this.gsi = gsi;
    }

    int fd() {
        return eventFd.fd();
    }

    int gsi() {
        return gsi;
    }

    /** Raises the line; does nothing once {@link #close()} has begun. */
    @Override
    public void trigger() {
        int u;
        do {
            u = users.get();
            if ((u & CLOSED) != 0) {
                return;
            }
        } while (!users.compareAndSet(u, u + 1));
        try {
            // EAGAIN only if the counter would overflow (2^64 - 2 pending): the interrupt is pending anyway.
            Sys.write(eventFd.fd(), ONE.get(), "irqfd gsi " + gsi);
        } finally {
            users.decrementAndGet();
        }
    }

    /** Closes the eventfd once no trigger is using it (a write to an eventfd does not block: the wait is short). */
    @Override
    public void close() {
        int u = users.getAndUpdate(v -> v | CLOSED);
        if ((u & CLOSED) != 0) {
            return;
        }
        while (users.get() != CLOSED) {
            Thread.onSpinWait();
        }
        eventFd.close();
    }
}
