package io.jvmm.machine;

import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An interrupt line delivered through an irqfd: writing 1 to the eventfd makes KVM raise the GSI in
 * the in-kernel IOAPIC without any exit or ioctl on our side.
 */
final class EventFdInterrupt implements InterruptLine, AutoCloseable {
    /** The 8-byte counter increment each trigger writes; one per thread, since devices trigger from several. */
    private static final ThreadLocal<MemorySegment> ONE = ThreadLocal.withInitial(() -> {
        MemorySegment s = Arena.ofAuto().allocate(8);
        s.set(ValueLayout.JAVA_LONG, 0, 1L);
        return s;
    });

    private final OwnedFd eventFd;
    private final int gsi;

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

    @Override
    public void trigger() {
        if (!eventFd.isClosed()) {
            // EAGAIN only if the counter would overflow (2^64 - 2 pending): the interrupt is pending anyway.
            Sys.write(eventFd.fd(), ONE.get(), "irqfd gsi " + gsi);
        }
    }

    @Override
    public void close() {
        eventFd.close();
    }
}
