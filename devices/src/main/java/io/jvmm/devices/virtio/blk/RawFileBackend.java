package io.jvmm.devices.virtio.blk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/** A raw disk image file: byte n of the disk is byte n of the file. */
public final class RawFileBackend implements BlockBackend {
    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;

    private RawFileBackend(Path path, FileChannel channel, boolean readOnly, long size) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.size = size;
    }

    /**
     * Opens {@code path}, read-only when {@code readOnly} (the file is then opened without write
     * access at all). Throws with a message naming the file and the cause.
     */
    public static RawFileBackend open(Path path, boolean readOnly) throws IOException {
        Objects.requireNonNull(path);
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new IOException("disk image " + path + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("disk image " + path + ": cannot open" + (readOnly ? "" : " for writing (attach it read-only?)")
                    + ": " + e.getMessage(), e);
        }
        return new RawFileBackend(path, ch, readOnly, ch.size());
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new EOFException(path + ": read past the end at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is read-only");
        }
        long pos = position;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
