package io.jvmm.devices.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An in-memory disk for tests. It can be told to fail, and it records any request that reaches past
 * the image: the device must have rejected those before calling the back end.
 */
public final class MemoryBlockBackend implements BlockBackend {
    private final byte[] data;
    private final boolean readOnly;
    public volatile boolean fail;
    /** Requests that reached past the end of the image or before its start; must stay 0. */
    public int outOfRange;
    public int writes;
    public int flushes;

    public MemoryBlockBackend(int size, boolean readOnly) {
        this.data = new byte[size];
        this.readOnly = readOnly;
    }

    public byte[] data() {
        return data;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private boolean inRange(long position, int len) {
        if (position < 0 || position > data.length - (long) len) {
            outOfRange++;
            return false;
        }
        return true;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (fail || !inRange(position, dst.remaining())) {
            throw new IOException("injected failure or out of range");
        }
        dst.put(data, (int) position, dst.remaining());
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (readOnly) {
            outOfRange++; // the device must not even try
            throw new IOException("read-only");
        }
        if (fail || !inRange(position, src.remaining())) {
            throw new IOException("injected failure or out of range");
        }
        writes++;
        src.get(data, (int) position, src.remaining());
    }

    @Override
    public void flush() throws IOException {
        if (fail) {
            throw new IOException("injected failure");
        }
        flushes++;
    }

    @Override
    public void close() {
    }
}
