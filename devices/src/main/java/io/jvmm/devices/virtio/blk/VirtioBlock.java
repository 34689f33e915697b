package io.jvmm.devices.virtio.blk;

import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.AbstractVirtioDevice;
import io.jvmm.devices.virtio.DescriptorChain;
import io.jvmm.devices.virtio.VirtioCounters.Counter;
import io.jvmm.devices.virtio.VirtioIds;
import io.jvmm.devices.virtio.Virtqueue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static io.jvmm.devices.virtio.VirtioConfig.bit;

/**
 * virtio-blk front end (virtio 1.2 section 5.2): one request queue, requests of the form
 *
 * <pre>
 * struct virtio_blk_req {           device-readable:
 *     le32 type;                     +0   VIRTIO_BLK_T_*
 *     le32 reserved;                 +4
 *     le64 sector;                   +8   in 512-byte units, whatever the block size
 *     u8   data[];                   +16  readable for T_OUT, writable for T_IN / T_GET_ID
 *     u8   status;                   last writable byte: VIRTIO_BLK_S_*
 * };
 * </pre>
 *
 * The data goes straight between guest memory and the {@link BlockBackend}. A request the device can
 * answer gets a status (S_IOERR for bad ranges, read-only writes and back-end failures, S_UNSUPP for
 * unknown types); one without even a status byte puts the device into DEVICE_NEEDS_RESET.
 */
public final class VirtioBlock extends AbstractVirtioDevice {
    public static final int VIRTIO_BLK_F_SIZE_MAX = 1;
    public static final int VIRTIO_BLK_F_SEG_MAX = 2;
    public static final int VIRTIO_BLK_F_RO = 5;
    public static final int VIRTIO_BLK_F_BLK_SIZE = 6;
    public static final int VIRTIO_BLK_F_FLUSH = 9;

    public static final int VIRTIO_BLK_T_IN = 0;
    public static final int VIRTIO_BLK_T_OUT = 1;
    public static final int VIRTIO_BLK_T_FLUSH = 4;
    public static final int VIRTIO_BLK_T_GET_ID = 8;

    public static final int VIRTIO_BLK_S_OK = 0;
    public static final int VIRTIO_BLK_S_IOERR = 1;
    public static final int VIRTIO_BLK_S_UNSUPP = 2;

    /** Length of the GET_ID serial (include/uapi/linux/virtio_blk.h). */
    public static final int VIRTIO_BLK_ID_BYTES = 20;
    public static final int SECTOR_SHIFT = 9;
    public static final int SECTOR_SIZE = 1 << SECTOR_SHIFT;
    static final int REQUEST_HEADER_SIZE = 16;

    public static final int QUEUE_SIZE = 256;
    /** Largest piece handed to the back end at once (a ByteBuffer holds less than 2 GiB). */
    private static final long MAX_IO_CHUNK = 1L << 30;

    // Replaced only by replaceBackend, while no vCPU and no queue processing runs (the machine is paused).
    private BlockBackend backend;
    private final byte[] serial;
    private long capacity;
    private byte[] config;

    /**
     * @param backend the image; its size gives the capacity (whole 512-byte sectors)
     * @param serial  the GET_ID answer, ASCII, cut to 20 bytes
     */
    public VirtioBlock(BlockBackend backend, String serial) {
        this.backend = Objects.requireNonNull(backend);
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        this.serial = new byte[VIRTIO_BLK_ID_BYTES];
        System.arraycopy(s, 0, this.serial, 0, Math.min(s.length, VIRTIO_BLK_ID_BYTES));
        this.capacity = backend.size() >>> SECTOR_SHIFT;
        this.config = buildConfig(capacity);
    }

    /**
     * The device's guest-visible configuration, for a snapshot. It does not change while the device runs,
     * so no precondition beyond the transport's applies.
     */
    public VirtioBlockState state() {
        int end = serial.length;
        while (end > 0 && serial[end - 1] == 0) {
            end--; // the zero padding is not part of the serial
        }
        return new VirtioBlockState(capacity, backend.readOnly(),
                new String(serial, 0, end, StandardCharsets.US_ASCII));
    }

    /**
     * A device for the disk {@code backend} in the configuration a snapshot recorded. The record is
     * untrusted and the disk may have changed since: a capacity or read-only flag that differs from what
     * {@code backend} gives, or a serial that is not at most 20 ASCII characters, throws
     * {@link io.jvmm.devices.DeviceStateException}.
     *
     * @param name names the device in errors ("virtio-blk0")
     */
    public static VirtioBlock restore(String name, VirtioBlockState state, BlockBackend backend) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(backend, "backend");
        long sectors = backend.size() >>> SECTOR_SHIFT;
        if (state.capacity() != sectors) {
            throw new DeviceStateException(name, "capacity " + state.capacity() + " sectors in the record, the disk"
                    + " has " + sectors + ": the disk changed since the snapshot");
        }
        if (state.readOnly() != backend.readOnly()) {
            throw new DeviceStateException(name, "the record says " + (state.readOnly() ? "read-only" : "writable")
                    + ", the disk was opened " + (backend.readOnly() ? "read-only" : "writable"));
        }
        String id = state.serial();
        if (id == null || id.length() > VIRTIO_BLK_ID_BYTES || !id.chars().allMatch(c -> c < 0x80)) {
            throw new DeviceStateException(name, "serial " + (id == null ? "is missing"
                    : "'" + id + "' is not at most " + VIRTIO_BLK_ID_BYTES + " ASCII characters"));
        }
        return new VirtioBlock(backend, id);
    }

    /**
     * struct virtio_blk_config, first 24 bytes (section 5.2.4):
     * <pre>
     * +0 le64 capacity | +8 le32 size_max | +12 le32 seg_max | +16 geometry (4) | +20 le32 blk_size
     * </pre>
     */
    private static byte[] buildConfig(long capacity) {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, capacity);
        b.putInt(8, 0);                 // size_max: not offered
        b.putInt(12, QUEUE_SIZE - 2);   // seg_max: a request also needs the header and status
        b.putInt(20, SECTOR_SIZE);      // blk_size
        return b.array();
    }

    /**
     * Puts {@code newBackend} behind the device (Firecracker's PATCH /drives: a new backing file) and returns
     * the one it replaces, for the caller to close. Call only while nothing else uses the device: no vCPU
     * (config reads) and no queue processing (the machine paused). The read-only flag is a negotiated
     * feature (VIRTIO_BLK_F_RO), so the new back end must have the same; when the capacity differs the
     * driver is told through a configuration change interrupt (section 5.2.4: it re-reads capacity).
     *
     * @throws IllegalArgumentException when the read-only flags differ (nothing is changed)
     */
    public BlockBackend replaceBackend(BlockBackend newBackend) {
        Objects.requireNonNull(newBackend, "newBackend");
        if (newBackend.readOnly() != backend.readOnly()) {
            throw new IllegalArgumentException("the new disk is " + (newBackend.readOnly() ? "read-only" : "writable")
                    + ", the device was " + (backend.readOnly() ? "read-only" : "writable"));
        }
        BlockBackend old = backend;
        long newCapacity = newBackend.size() >>> SECTOR_SHIFT;
        backend = newBackend;
        if (newCapacity != capacity) {
            capacity = newCapacity;
            config = buildConfig(newCapacity);
            if (isActive()) {
                interrupt.signalConfigChange();
            }
        }
        return old;
    }

    /** Disk size in 512-byte sectors. */
    public long capacity() {
        return capacity;
    }

    public BlockBackend backend() {
        return backend;
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_BLOCK;
    }

    @Override
    public long deviceFeatures() {
        long f = bit(VIRTIO_BLK_F_SEG_MAX) | bit(VIRTIO_BLK_F_BLK_SIZE) | bit(VIRTIO_BLK_F_FLUSH);
        return backend.readOnly() ? f | bit(VIRTIO_BLK_F_RO) : f;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        readConfigImage(config, offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // Only writeback (VIRTIO_BLK_F_CONFIG_WCE) is driver-writable, and it is not offered.
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue q = queue(index);
        if (q == null) {
            return;
        }
        boolean used = false;
        DescriptorChain chain;
        while ((chain = pop(q)) != null) {
            long writtenLen = process(chain);
            if (writtenLen < 0) {
                break; // the device needs a reset now
            }
            q.addUsed(chain.headIndex(), writtenLen);
            used = true;
        }
        if (used) {
            interrupt.signalUsedBuffer(q);
        }
    }

    /** Handles one request; returns the bytes written to the chain, or -1 when it had no status byte. */
    private long process(DescriptorChain chain) {
        long writable = chain.writableLength();
        if (writable < 1) {
            interrupt.setDeviceNeedsReset(Counter.MALFORMED_REQUEST,
                    "virtio-blk request " + chain.headIndex() + " has no status byte");
            return -1;
        }
        long statusOffset = writable - 1;
        byte[] header = new byte[REQUEST_HEADER_SIZE];
        int status;
        long dataWritten = 0;
        if (chain.read(memory, 0, header, 0, header.length) < header.length) {
            counters.increment(Counter.MALFORMED_REQUEST);
            status = VIRTIO_BLK_S_IOERR;
        } else {
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            int type = h.getInt(0);
            long sector = h.getLong(8);
            switch (type) {
                case VIRTIO_BLK_T_IN -> {
                    status = transfer(chain, sector, 0, statusOffset, false);
                    dataWritten = status == VIRTIO_BLK_S_OK ? statusOffset : 0;
                }
                case VIRTIO_BLK_T_OUT -> status = transfer(chain, sector, REQUEST_HEADER_SIZE,
                        chain.readableLength() - REQUEST_HEADER_SIZE, true);
                case VIRTIO_BLK_T_FLUSH -> status = flush();
                case VIRTIO_BLK_T_GET_ID -> {
                    // Section 5.2.6: the serial, zero-padded to 20 bytes, as much as the buffer holds.
                    dataWritten = chain.write(memory, 0, serial, 0, (int) Math.min(statusOffset, VIRTIO_BLK_ID_BYTES));
                    status = VIRTIO_BLK_S_OK;
                }
                default -> {
                    counters.increment(Counter.UNSUPPORTED_REQUEST);
                    status = VIRTIO_BLK_S_UNSUPP;
                }
            }
        }
        chain.write(memory, statusOffset, new byte[] {(byte) status}, 0, 1);
        return dataWritten + 1;
    }

    /**
     * Moves {@code len} bytes between the image at {@code sector} and the chain's data, which starts
     * {@code chainOffset} bytes into the readable (write) or writable (read) part. Section 5.2.6.2:
     * whole sectors only, inside the capacity, no writes to a read-only disk.
     */
    private int transfer(DescriptorChain chain, long sector, long chainOffset, long len, boolean write) {
        if (write && backend.readOnly()) {
            counters.increment(Counter.IO_ERROR);
            return VIRTIO_BLK_S_IOERR;
        }
        long sectors = len >>> SECTOR_SHIFT;
        if ((len & (SECTOR_SIZE - 1)) != 0 || sector < 0 || sector > capacity || sectors > capacity - sector) {
            counters.increment(Counter.IO_ERROR);
            return VIRTIO_BLK_S_IOERR;
        }
        long position = sector << SECTOR_SHIFT;
        try {
            var slices = write ? chain.readableSlices(memory, chainOffset, len)
                    : chain.writableSlices(memory, chainOffset, len);
            for (MemorySegment s : slices) {
                // Guest memory views, checked when the chain was walked; the back end reads or
                // writes them in place, in pieces a ByteBuffer can address.
                for (long off = 0; off < s.byteSize(); off += MAX_IO_CHUNK) {
                    ByteBuffer piece = s.asSlice(off, Math.min(MAX_IO_CHUNK, s.byteSize() - off)).asByteBuffer();
                    if (write) {
                        backend.write(position, piece);
                    } else {
                        backend.read(position, piece);
                    }
                    position += piece.capacity();
                }
            }
            return VIRTIO_BLK_S_OK;
        } catch (IOException e) {
            counters.increment(Counter.BACKEND_ERROR);
            counters.increment(Counter.IO_ERROR);
            return VIRTIO_BLK_S_IOERR;
        }
    }

    private int flush() {
        try {
            backend.flush();
            return VIRTIO_BLK_S_OK;
        } catch (IOException e) {
            counters.increment(Counter.BACKEND_ERROR);
            counters.increment(Counter.IO_ERROR);
            return VIRTIO_BLK_S_IOERR;
        }
    }
}
