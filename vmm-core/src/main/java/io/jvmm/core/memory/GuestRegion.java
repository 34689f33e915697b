package io.jvmm.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous range of guest physical memory, backed by a host segment of the same size.
 * Who owns the backing segment (an mmap for a real VM, an arena in tests) owns its lifetime.
 */
public record GuestRegion(GuestAddress start, MemorySegment backing) {

    public GuestRegion {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(backing, "backing");
        if (backing.byteSize() == 0) {
            throw new IllegalArgumentException("guest memory region at " + start + " has size 0");
        }
        start.plus(backing.byteSize() - 1); // rejects a region that wraps past 2^64
    }

    public long size() {
        return backing.byteSize();
    }

    /** The first address past this region. */
    public GuestAddress end() {
        return new GuestAddress(start.value() + size());
    }

    /** True when [addr, addr+len) lies entirely inside this region. */
    public boolean contains(GuestAddress addr, long len) {
        if (len < 0 || Long.compareUnsigned(addr.value(), start.value()) < 0) {
            return false;
        }
        long off = addr.value() - start.value();
        return Long.compareUnsigned(off, size()) < 0 && len <= size() - off;
    }
}
