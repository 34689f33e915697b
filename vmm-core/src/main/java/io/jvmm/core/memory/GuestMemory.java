package io.jvmm.core.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest's physical memory: one or more non-overlapping regions (for example RAM below the 32-bit
 * MMIO hole and RAM above 4 GiB). All access is bounds-checked and little-endian, as on x86.
 *
 * <p>An access must lie within one region; one that does not, or that falls in a hole, throws
 * {@link GuestMemoryException} naming the address. Nothing here can reach host memory outside the
 * regions' backing segments: every access goes through a {@link MemorySegment} slice, which the JDK
 * bounds-checks again.
 */
public final class GuestMemory {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Below this, a copy through the mapping costs less than a system call. */
    static final long FILE_WRITE_MIN = 64 * 1024;

    private final GuestRegion[] regions; // sorted by start, non-overlapping

    private GuestMemory(GuestRegion[] regions) {
        this.regions = regions;
    }

    /** Guest memory made of {@code regions}; rejects an empty list and overlapping regions. */
    public static GuestMemory of(List<GuestRegion> regions) {
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("guest memory needs at least one region");
        }
        List<GuestRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparing(GuestRegion::start));
        for (int i = 1; i < sorted.size(); i++) {
            GuestRegion prev = sorted.get(i - 1);
            GuestRegion next = sorted.get(i);
            if (Long.compareUnsigned(next.start().value(), prev.start().value() + prev.size()) < 0) {
                throw new IllegalArgumentException("guest memory regions overlap: " + prev.start() + "+0x"
                        + Long.toHexString(prev.size()) + " and " + next.start());
            }
        }
        return new GuestMemory(sorted.toArray(GuestRegion[]::new));
    }

    /** Guest memory made of one region. */
    public static GuestMemory of(GuestRegion region) {
        return of(List.of(region));
    }

    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** Sum of the regions' sizes in bytes. */
    public long totalSize() {
        long total = 0;
        for (GuestRegion r : regions) {
            total += r.size();
        }
        return total;
    }

    /** The first address past the highest region. */
    public GuestAddress end() {
        return regions[regions.length - 1].end();
    }

    /** True when [addr, addr+len) lies inside one region. */
    public boolean contains(GuestAddress addr, long len) {
        return find(addr, len) != null;
    }

    /**
     * A view of [addr, addr+len) of guest memory. The view aliases guest memory: what the guest
     * writes shows in it. Throws {@link GuestMemoryException} when the range is not in one region.
     */
    public MemorySegment slice(GuestAddress addr, long len) {
        GuestRegion r = find(addr, len);
        if (r == null) {
            throw outside(addr, len);
        }
        return r.backing().asSlice(addr.value() - r.start().value(), len);
    }

    public byte readByte(GuestAddress addr) {
        return slice(addr, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    public int readU8(GuestAddress addr) {
        return Byte.toUnsignedInt(readByte(addr));
    }

    public int readU16(GuestAddress addr) {
        return Short.toUnsignedInt(slice(addr, 2).get(U16, 0));
    }

    public int readInt(GuestAddress addr) {
        return slice(addr, 4).get(U32, 0);
    }

    public long readLong(GuestAddress addr) {
        return slice(addr, 8).get(U64, 0);
    }

    public void writeByte(GuestAddress addr, byte value) {
        slice(addr, 1).set(ValueLayout.JAVA_BYTE, 0, value);
    }

    public void writeU16(GuestAddress addr, int value) {
        slice(addr, 2).set(U16, 0, (short) value);
    }

    public void writeInt(GuestAddress addr, int value) {
        slice(addr, 4).set(U32, 0, value);
    }

    public void writeLong(GuestAddress addr, long value) {
        slice(addr, 8).set(U64, 0, value);
    }

    /** Copies {@code len} bytes from guest memory at {@code addr} into {@code dst[off..]}. */
    public void read(GuestAddress addr, byte[] dst, int off, int len) {
        MemorySegment.copy(slice(addr, len), ValueLayout.JAVA_BYTE, 0, dst, off, len);
    }

    /** Copies {@code src[off..off+len)} into guest memory at {@code addr}. */
    public void write(GuestAddress addr, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, slice(addr, len), ValueLayout.JAVA_BYTE, 0, len);
    }

    /** Copies all of {@code src} into guest memory at {@code addr}. */
    public void write(GuestAddress addr, byte[] src) {
        write(addr, src, 0, src.length);
    }

    /**
     * Copies all of {@code src} into guest memory at {@code addr}. A large copy from native memory (a mapped
     * kernel or initrd) into a region with a {@link GuestRegion#fileWriter()} goes through the file instead of
     * the mapping (see there).
     */
    public void write(GuestAddress addr, MemorySegment src) {
        long len = src.byteSize();
        GuestRegion r = find(addr, len);
        if (r == null) {
            throw outside(addr, len);
        }
        long off = addr.value() - r.start().value();
        if (r.fileWriter() != null && src.isNative() && len >= FILE_WRITE_MIN) {
            r.fileWriter().write(off, src);
        } else {
            MemorySegment.copy(src, 0, r.backing(), off, len);
        }
    }

    private GuestRegion find(GuestAddress addr, long len) {
        // Few regions (one or two): a linear scan is the fastest search.
        for (GuestRegion r : regions) {
            if (r.contains(addr, len)) {
                return r;
            }
        }
        return null;
    }

    private static GuestMemoryException outside(GuestAddress addr, long len) {
        return new GuestMemoryException("guest memory access at " + addr + " (" + len
                + " bytes) is outside guest memory");
    }
}
