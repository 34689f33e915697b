package io.jvmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian, bounds-checked reads from a kernel image file. A read past the end is a truncated
 * image: it throws {@link BootException} naming the image kind, the field and the file size.
 */
final class ImageBytes {
    private final String kind;
    private final ByteBuffer buffer;

    ImageBytes(String kind, byte[] image) {
        this.kind = kind;
        this.buffer = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    int length() {
        return buffer.capacity();
    }

    int u8(long offset, String field) {
        check(offset, 1, field);
        return Byte.toUnsignedInt(buffer.get((int) offset));
    }

    int u16(long offset, String field) {
        check(offset, 2, field);
        return Short.toUnsignedInt(buffer.getShort((int) offset));
    }

    long u32(long offset, String field) {
        check(offset, 4, field);
        return Integer.toUnsignedLong(buffer.getInt((int) offset));
    }

    long u64(long offset, String field) {
        check(offset, 8, field);
        return buffer.getLong((int) offset);
    }

    /** Throws unless [offset, offset + len) lies in the image. */
    void check(long offset, long len, String field) {
        if (offset < 0 || len < 0 || offset > buffer.capacity() || len > buffer.capacity() - offset) {
            throw new BootException(kind + ": truncated: " + field + " at offset 0x" + Long.toHexString(offset)
                    + " (+" + len + " bytes) is past the end of the " + buffer.capacity() + "-byte file");
        }
    }

    BootException error(String problem) {
        return new BootException(kind + ": " + problem);
    }
}
