package io.jvmm.core.sys;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An mmap(2)ed range that jvmm must unmap exactly once. The segment is valid until {@link #close()};
 * after that any use is a bug in jvmm (the JDK cannot check it: the segment is not arena-owned), so
 * owners close a mapping only after every thread that used it has been joined.
 */
public final class Mapping implements AutoCloseable {
    private final MemorySegment segment;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    Mapping(MemorySegment segment, String what) {
        this.segment = segment;
        this.what = what;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Host virtual address of the mapping (for KVM_SET_USER_MEMORY_REGION). */
    public long address() {
        return segment.address();
    }

    public long size() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Sys.munmap(segment, what);
        }
    }

    @Override
    public String toString() {
        return what + " @0x" + Long.toHexString(segment.address()) + "+" + segment.byteSize();
    }
}
