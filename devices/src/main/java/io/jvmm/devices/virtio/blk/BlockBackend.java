package io.jvmm.devices.virtio.blk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Storage behind a virtio-blk device: a byte-addressed image. Called on the thread that processes the
 * device's queue.
 */
public interface BlockBackend extends Closeable {

    /** Size of the image in bytes. */
    long size();

    /** True when the image must not be written (VIRTIO_BLK_F_RO). */
    boolean readOnly();

    /** Fills {@code dst} from {@code position} on; throws when the image ends first. */
    void read(long position, ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(long position, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (fsync). */
    void flush() throws IOException;
}
