package io.jvmm.boot;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian, bounds-checked reads from a kernel image file, held as a read-only {@link MemorySegment}
 * (a mapped file or a heap array). A read past the end is a truncated image: it throws
 * {@link BootException} naming the image kind, the field and the file size.
 */
final class ImageBytes {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String kind;
    private final MemorySegment image;

    ImageBytes(String kind, MemorySegment image) {
        this.kind = kind;
        this.image = image;
    }

    long length() {
        return image.byteSize();
    }

    int u8(long offset, String field) {
        check(offset, 1, field);
        return Byte.toUnsignedInt(image.get(ValueLayout.JAVA_BYTE, offset));
    }

    int u16(long offset, String field) {
        check(offset, 2, field);
        return Short.toUnsignedInt(image.get(U16, offset));
    }

    long u32(long offset, String field) {
        check(offset, 4, field);
        return Integer.toUnsignedLong(image.get(U32, offset));
    }

    long u64(long offset, String field) {
        check(offset, 8, field);
        return image.get(U64, offset);
    }

    /** The bytes [offset, offset + len), checked to lie in the image. */
    MemorySegment slice(long offset, long len, String field) {
        check(offset, len, field);
        return image.asSlice(offset, len);
    }

    /** Throws unless [offset, offset + len) lies in the image. */
    void check(long offset, long len, String field) {
        long size = image.byteSize();
        if (offset < 0 || len < 0 || offset > size || len > size - offset) {
            throw new BootException(kind + ": truncated: " + field + " at offset 0x" + Long.toHexString(offset)
                    + " (+" + len + " bytes) is past the end of the " + size + "-byte file");
        }
    }

    BootException error(String problem) {
        return new BootException(kind + ": " + problem);
    }
}
