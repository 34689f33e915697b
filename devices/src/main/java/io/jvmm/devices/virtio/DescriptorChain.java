package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One request taken from the available ring: the head index to return in the used ring and the
 * buffers of the chain, split into the device-readable ones followed by the device-writable ones
 * (virtio 1.2 section 2.7.4.2). Every segment was checked to lie inside one guest memory region when
 * the chain was walked, and zero-length descriptors were left out, so the copy helpers here never
 * reach outside guest memory. The guest may still rewrite the bytes while the device reads them; that
 * only changes the data, never where it is.
 */
public record DescriptorChain(int headIndex, List<Segment> readable, List<Segment> writable) {

    /** One buffer of the chain: {@code len} bytes of guest memory at {@code addr}, len > 0. */
    public record Segment(GuestAddress addr, long len) {
    }

    public DescriptorChain {
        readable = List.copyOf(readable);
        writable = List.copyOf(writable);
    }

    /** Total bytes the device may read. */
    public long readableLength() {
        return total(readable);
    }

    /** Total bytes the device may write. */
    public long writableLength() {
        return total(writable);
    }

    /**
     * Copies up to {@code len} readable bytes, starting {@code offset} bytes into the readable part,
     * into {@code dst[off..]}; returns how many were copied (fewer when the chain is shorter).
     */
    public int read(GuestMemory memory, long offset, byte[] dst, int off, int len) {
        int done = 0;
        for (MemorySegment s : slices(memory, readable, offset, len)) {
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, dst, off + done, (int) s.byteSize());
            done += (int) s.byteSize();
        }
        return done;
    }

    /**
     * Copies {@code src[off..off+len)} into the writable part, starting {@code offset} bytes into it;
     * returns how many bytes fitted.
     */
    public int write(GuestMemory memory, long offset, byte[] src, int off, int len) {
        int done = 0;
        for (MemorySegment s : slices(memory, writable, offset, len)) {
            MemorySegment.copy(src, off + done, s, ValueLayout.JAVA_BYTE, 0, (int) s.byteSize());
            done += (int) s.byteSize();
        }
        return done;
    }

    /** Guest memory views of readable bytes [offset, offset+len), clipped to the chain. */
    public List<MemorySegment> readableSlices(GuestMemory memory, long offset, long len) {
        return slices(memory, readable, offset, len);
    }

    /** Guest memory views of writable bytes [offset, offset+len), clipped to the chain. */
    public List<MemorySegment> writableSlices(GuestMemory memory, long offset, long len) {
        return slices(memory, writable, offset, len);
    }

    private static List<MemorySegment> slices(GuestMemory memory, List<Segment> segments, long offset, long len) {
        List<MemorySegment> out = new ArrayList<>(2);
        long skip = offset;
        long left = len;
        for (Segment s : segments) {
            if (left <= 0) {
                break;
            }
            if (skip >= s.len()) {
                skip -= s.len();
                continue;
            }
            long n = Math.min(s.len() - skip, left);
            out.add(memory.slice(s.addr().plus(skip), n)); // inside the checked segment
            left -= n;
            skip = 0;
        }
        return out;
    }

    private static long total(List<Segment> segments) {
        long sum = 0;
        for (Segment s : segments) {
            sum += s.len();
        }
        return sum;
    }
}
