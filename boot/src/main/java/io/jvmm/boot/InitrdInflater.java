package io.jvmm.boot;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip initramfs on the host before it is loaded, so that the guest kernel gets a plain
 * newc cpio archive, which it unpacks without decompressing (init/initramfs.c accepts both).
 *
 * <p>Why: where guest kernel code runs in KVM's instruction emulator, the kernel's own inflate is the
 * single largest cost of the boot — {@code inflate_fast} took 34 % of the RIP samples, and booting the
 * minimal image with its initramfs decompressed reached /init in 61 s instead of 111 s. On the host the
 * same inflate takes milliseconds; {@link InitrdCache} keeps its result so that later boots map it instead.
 * Anything that is not a complete gzip stream is passed through untouched, as is an archive that would
 * inflate beyond {@code maxBytes}.
 */
public final class InitrdInflater {
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int BUFFER = 64 * 1024;

    private InitrdInflater() {
    }

    /** True when {@code data} starts with the gzip magic. */
    public static boolean isGzip(MemorySegment data) {
        return data != null && data.byteSize() >= 2 && (data.get(ValueLayout.JAVA_BYTE, 0) & 0xff) == GZIP_MAGIC_0
                && (data.get(ValueLayout.JAVA_BYTE, 1) & 0xff) == GZIP_MAGIC_1;
    }

    /**
     * The decompressed initramfs in the heap, or {@code initrd} itself when it is not gzip, is corrupt, or would be
     * larger than {@code maxBytes} (the guest then decompresses it, or reports the error itself). For when no
     * {@link InitrdCache} can be written.
     */
    public static MemorySegment inflate(MemorySegment initrd, long maxBytes) {
        if (!isGzip(initrd)) {
            return initrd;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, initrd.byteSize() * 3));
        try {
            long n = inflateTo(initrd, out, Math.min(maxBytes, Integer.MAX_VALUE - 8));
            return n < 0 ? initrd : MemorySegment.ofArray(out.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("a ByteArrayOutputStream does not fail", e);
        }
    }

    /**
     * Streams the decompressed {@code gzip} (read where it lies: a mapped file is read from the page cache)
     * to {@code out}. Returns the number of bytes written, or -1 when {@code gzip} is not a complete gzip
     * stream or inflates beyond {@code maxBytes}; {@code out} then holds a partial result to discard.
     *
     * @throws IOException when writing to {@code out} fails
     */
    public static long inflateTo(MemorySegment gzip, OutputStream out, long maxBytes) throws IOException {
        if (!isGzip(gzip)) {
            return -1;
        }
        byte[] buf = new byte[BUFFER];
        long total = 0;
        // GZIPInputStream reads concatenated members too, as the kernel's unpacker does.
        try (InputStream in = new GZIPInputStream(new SegmentInputStream(gzip), BUFFER)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > maxBytes) {
                    return -1;
                }
                out.write(buf, 0, n);
            }
            return total;
        } catch (ZipException | EOFException e) {
            return -1; // corrupt or truncated (GZIPInputStream's two ways of saying so): the guest reports it
        }
    }

    /** An InputStream over a memory segment: the gzip file, mapped or in the heap. */
    private static final class SegmentInputStream extends InputStream {
        private final MemorySegment data;
        private long pos;

        SegmentInputStream(MemorySegment data) {
            this.data = data;
        }

        @Override
        public int read() {
            return pos < data.byteSize() ? data.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = data.byteSize() - pos;
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, data.byteSize() - pos);
        }
    }
}
