package io.jvmm.images.build;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Writes the "new ASCII" (newc, magic 070701) cpio format that the Linux kernel unpacks as
 * initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * <pre>
 * header, 110 bytes of ASCII; every field is 8 hex digits:
 *   c_magic[6]="070701" c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize
 *   c_devmajor c_devminor c_rdevmajor c_rdevminor c_namesize c_check
 * name (c_namesize bytes, including the NUL), padded so header+name is a multiple of 4
 * data (c_filesize bytes: file contents or symlink target), padded to a multiple of 4
 * ... next entry ... then the entry named "TRAILER!!!" with all fields zero but nlink 1
 * </pre>
 *
 * Names are written without a leading slash, as the kernel and GNU cpio expect. Timestamps are
 * fixed (the caller's mtime, normally 0) so the same tree always gives the same bytes.
 */
public final class CpioWriter implements AutoCloseable {
    public static final String MAGIC_NEWC = "070701";
    public static final String TRAILER = "TRAILER!!!";
    static final int HEADER_SIZE = 110;

    // st_mode file types (include/uapi/linux/stat.h)
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;

    private final OutputStream out;
    private final long mtime;
    private final Set<String> written = new HashSet<>();
    private long position;
    private int nextIno = 1;
    private boolean finished;

    public CpioWriter(OutputStream out, long mtime) {
        this.out = Objects.requireNonNull(out, "out");
        this.mtime = mtime;
    }

    public void directory(String path, int perm) throws IOException {
        entry(path, S_IFDIR | (perm & 07777), 2, 0, 0, new byte[0]);
    }

    public void file(String path, int perm, byte[] contents) throws IOException {
        entry(path, S_IFREG | (perm & 07777), 1, 0, 0, contents);
    }

    public void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    /** A character device node such as /dev/console (5, 1); no root needed to write it. */
    public void charDevice(String path, int perm, int major, int minor) throws IOException {
        entry(path, S_IFCHR | (perm & 07777), 1, major, minor, new byte[0]);
    }

    private void entry(String path, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data)
            throws IOException {
        if (finished) {
            throw new IllegalStateException("cpio archive already finished");
        }
        String name = normalise(path);
        if (!written.add(name)) {
            throw new IllegalArgumentException("duplicate cpio entry " + name);
        }
        writeHeader(nextIno++, mode, nlink, mtime, data.length, rdevMajor, rdevMinor, name);
        out.write(data);
        position += data.length;
        pad();
    }

    /** Writes the trailer entry; the archive is complete afterwards. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        writeHeader(0, 0, 1, 0, 0, 0, 0, TRAILER);
        finished = true;
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    private void writeHeader(int ino, int mode, int nlink, long mtime, long fileSize,
                             int rdevMajor, int rdevMinor, String name) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(HEADER_SIZE);
        h.append(MAGIC_NEWC);
        for (long field : new long[] {ino, mode, 0 /* uid */, 0 /* gid */, nlink, mtime, fileSize,
                0 /* devmajor */, 0 /* devminor */, rdevMajor, rdevMinor, nameBytes.length + 1L, 0 /* check */}) {
            h.append(hex8(field));
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(nameBytes);
        out.write(0);
        position += HEADER_SIZE + nameBytes.length + 1;
        pad();
    }

    private void pad() throws IOException {
        while (position % 4 != 0) {
            out.write(0);
            position++;
        }
    }

    private static String hex8(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("cpio field out of range: " + v);
        }
        String s = Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        return "0".repeat(8 - s.length()) + s;
    }

    static String normalise(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty() || p.contains("//") || p.endsWith("/") || p.equals(TRAILER)) {
            throw new IllegalArgumentException("bad cpio entry name '" + path + "'");
        }
        return p;
    }

    /** Bytes written so far, trailer included once finished. */
    public long size() {
        return position;
    }
}
