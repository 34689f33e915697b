package io.jvmm.core.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * Base of the kernel struct views: a segment laid out as the C struct, with accessors named after the
 * C fields. Views own a segment from an automatic arena (small, freed by the GC) unless given one.
 */
abstract class KvmStruct {
    protected final MemorySegment segment;

    protected KvmStruct(MemoryLayout layout) {
        this.segment = Arena.ofAuto().allocate(layout);
    }

    protected KvmStruct(MemorySegment segment) {
        this.segment = segment;
    }

    /** The struct's bytes, to pass to an ioctl. */
    public MemorySegment segment() {
        return segment;
    }

    static long offsetOf(MemoryLayout layout, String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = MemoryLayout.PathElement.groupElement(path[i]);
        }
        return layout.byteOffset(elements);
    }
}
