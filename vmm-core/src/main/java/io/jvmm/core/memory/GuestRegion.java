package io.jvmm.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous range of guest physical memory, backed by a host segment of the same size.
 * Who owns the backing segment (an mmap for a real VM, an arena in tests) owns its lifetime.
 *
 * <p>{@code fileWriter}, when not null, writes into the file that is mapped shared as the backing (a VM's RAM
 * memfd): {@link GuestMemory#write(GuestAddress, MemorySegment)} uses it for large copies. The kernel then
 * fills the file's pages directly, without a page fault and a zeroed page for each 4 KiB that a copy through
 * the mapping costs (a 10 MiB kernel: ~3 ms against ~7 ms on this project's hosts).
 */
public record GuestRegion(GuestAddress start, MemorySegment backing, FileWriter fileWriter) {

    /**
     * Writes {@code src} at {@code offset} of the file mapped as a region's backing; a failure (a source that
     * cannot be read, such as a mapped file that shrank) is a {@link GuestMemoryException}.
     */
    @FunctionalInterface
    public interface FileWriter {
        void write(long offset, MemorySegment src);
    }

    /** A region written only through its mapping. */
    public GuestRegion(GuestAddress start, MemorySegment backing) {
        this(start, backing, null);
    }

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
