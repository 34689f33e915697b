package io.jvmm.devices.virtio.blk;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.GuardedGuestMemory;
import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.VirtioTestDriver;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.blk.VirtioBlock.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-blk snapshot: device and transport records, and a restored queue that carries on. */
class VirtioBlockStateTest {
    private static final int SECTORS = 32;

    private GuardedGuestMemory guest;
    private GuestMemory mem;
    private MemoryBlockBackend disk;
    private VirtioMmioTransport transport;
    private VirtioBlock blk;
    private AtomicInteger irqs;
    private VirtioTestDriver driver;
    private VirtioTestDriver.DriverQueue q;

    @BeforeEach
    void setUp() {
        guest = new GuardedGuestMemory(0, 1 << 20);
        mem = guest.memory();
        disk = new MemoryBlockBackend(SECTORS * SECTOR_SIZE, false);
        blk = new VirtioBlock(disk, "jvmm-disk-7");
        irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("virtio-blk0", blk, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_EVENT_IDX) | bit(VIRTIO_BLK_F_FLUSH)));
        q = driver.setupQueue(0, 64, true, false);
        driver.driverOk();
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        guest.close();
    }

    /** One request; returns {status, used len}. */
    private int[] request(int type, long sector, long data, int len) {
        long hdr = driver.alloc(16, 8);
        mem.write(new GuestAddress(hdr), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, type).putLong(8, sector).array());
        long status = driver.alloc(1, 1);
        mem.writeByte(new GuestAddress(status), (byte) 0x77);
        int head = q.add(List.of(new Buf(hdr, 16, false), new Buf(data, len, type != VIRTIO_BLK_T_OUT),
                new Buf(status, 1, true)));
        q.setUsedEvent(q.usedIdx()); // interrupt me for this one
        q.notifyDevice();
        List<VirtioTestDriver.Used> used = q.takeUsed();
        assertEquals(1, used.size());
        assertEquals(head, used.get(0).id());
        return new int[] {mem.readU8(new GuestAddress(status)), used.get(0).len()};
    }

    @Test
    void restoredDiskAndQueueCarryOn() {
        long data = driver.alloc(SECTOR_SIZE, 8);
        byte[] pattern = new byte[SECTOR_SIZE];
        Arrays.fill(pattern, (byte) 0x3c);
        mem.write(new GuestAddress(data), pattern);
        for (int i = 0; i < 3; i++) {
            assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_OUT, 5 + i, data, SECTOR_SIZE)[0]);
        }
        VirtioBlockState devState = blk.state();
        VirtioMmioState busState = transport.state();
        assertEquals(new VirtioBlockState(SECTORS, false, "jvmm-disk-7"), devState);
        assertEquals(3, busState.queues().get(0).nextUsedIdx());

        // The machine opens the disk again (here: the same bytes) and restores device, then transport.
        VirtioBlock restoredBlk = VirtioBlock.restore("virtio-blk0", devState, disk);
        VirtioMmioTransport restored = VirtioMmioTransport.restore("virtio-blk0", busState, restoredBlk, mem,
                irqs::incrementAndGet);
        assertEquals(devState, restoredBlk.state());
        assertEquals(busState, restored.state());
        driver.reconnect(restored);

        int before = irqs.get();
        long in = driver.alloc(SECTOR_SIZE, 8);
        int[] r = request(VIRTIO_BLK_T_IN, 6, in, SECTOR_SIZE);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, SECTOR_SIZE + 1}, r);
        assertEquals(4, q.usedIdx(), "the fourth request completes at used index 3");
        byte[] read = new byte[SECTOR_SIZE];
        mem.read(new GuestAddress(in), read, 0, SECTOR_SIZE);
        assertArrayEquals(pattern, read);
        assertEquals(before + 1, irqs.get());
        byte[] id = new byte[VIRTIO_BLK_ID_BYTES];
        long idBuf = driver.alloc(VIRTIO_BLK_ID_BYTES, 8);
        request(VIRTIO_BLK_T_GET_ID, 0, idBuf, VIRTIO_BLK_ID_BYTES);
        mem.read(new GuestAddress(idBuf), id, 0, id.length);
        assertEquals("jvmm-disk-7", new String(id, 0, 11, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, id[11], "zero padded");
    }

    private void assertRefused(VirtioBlockState bad, BlockBackend backend, String message) {
        assertEquals(message, assertThrows(DeviceStateException.class,
                () -> VirtioBlock.restore("virtio-blk0", bad, backend)).getMessage());
    }

    @Test
    void aDifferentDiskOrATamperedRecordIsRefused() {
        VirtioBlockState ok = blk.state();
        assertRefused(ok, new MemoryBlockBackend(2 * SECTORS * SECTOR_SIZE, false),
                "virtio-blk0: capacity 32 sectors in the record, the disk has 64: the disk changed since the snapshot");
        assertRefused(ok, new MemoryBlockBackend(SECTORS * SECTOR_SIZE, true),
                "virtio-blk0: the record says writable, the disk was opened read-only");
        assertRefused(with(ok, "capacity", -1L), disk,
                "virtio-blk0: capacity -1 sectors in the record, the disk has 32: the disk changed since the snapshot");
        assertRefused(with(ok, "serial", "123456789012345678901"), disk,
                "virtio-blk0: serial '123456789012345678901' is not at most 20 ASCII characters");
        assertRefused(with(ok, "serial", "d\u00efsk"), disk,
                "virtio-blk0: serial 'd\u00efsk' is not at most 20 ASCII characters");
        assertRefused(with(ok, "serial", null), disk, "virtio-blk0: serial is missing");
        // A read-only disk offers VIRTIO_BLK_F_RO: the transport record of a writable one does not fit it.
        MemoryBlockBackend ro = new MemoryBlockBackend(SECTORS * SECTOR_SIZE, true);
        VirtioBlock roBlk = VirtioBlock.restore("virtio-blk0", with(ok, "readOnly", true), ro);
        DeviceStateException e = assertThrows(DeviceStateException.class,
                () -> VirtioMmioTransport.restore("virtio-blk0", transport.state(), roBlk, mem, () -> { }));
        assertTrue(e.getMessage().startsWith("virtio-blk0: deviceFeatures 0x"), e.getMessage());
    }
}
