package io.jvmm.devices.virtio.blk;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.virtio.GuardedGuestMemory;
import io.jvmm.devices.virtio.VirtioCounters.Counter;
import io.jvmm.devices.virtio.VirtioMmio;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.VirtioTestDriver;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.blk.VirtioBlock.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioBlockTest {
    private static final int SECTORS = 64;

    @TempDir
    Path dir;

    private GuardedGuestMemory guest;
    private GuestMemory mem;
    private RawFileBackend backend;
    private VirtioBlock blk;
    private VirtioMmioTransport transport;
    private VirtioTestDriver driver;
    private VirtioTestDriver.DriverQueue q;
    private Path image;
    private byte[] initial;

    private void start(boolean readOnly) throws IOException {
        image = dir.resolve("disk.img");
        initial = new byte[SECTORS * SECTOR_SIZE + 100]; // a tail that is not a whole sector
        new Random(1).nextBytes(initial);
        Files.write(image, initial);
        backend = RawFileBackend.open(image, readOnly);
        blk = new VirtioBlock(backend, "jvmm-serial-0123456789");
        guest = new GuardedGuestMemory(0, 1 << 20);
        mem = guest.memory();
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("blk", blk, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        long wanted = bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_INDIRECT_DESC) | bit(VIRTIO_BLK_F_FLUSH)
                | bit(VIRTIO_BLK_F_SEG_MAX) | (readOnly ? bit(VIRTIO_BLK_F_RO) : 0);
        assertTrue(driver.negotiate(wanted));
        q = driver.setupQueue(0, QUEUE_SIZE, false, true);
        driver.driverOk();
    }

    @AfterEach
    void tearDown() throws IOException {
        assertTrue(guest.guardsIntact());
        assertEquals(0, blk.counters().get(Counter.UNCHECKED_MEMORY_FAULT));
        assertEquals(0, blk.counters().get(Counter.INTERNAL_ERROR));
        if (backend != null) {
            backend.close();
        }
        guest.close();
    }

    /** A request: header buffer, data buffers, status buffer; returns {status, used len}. */
    private int[] request(int type, long sector, List<Buf> data, boolean indirect) {
        long hdr = driver.alloc(16, 8);
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, type).putLong(8, sector);
        mem.write(new GuestAddress(hdr), h.array());
        long status = driver.alloc(1, 1);
        mem.writeByte(new GuestAddress(status), (byte) 0x77);
        List<Buf> bufs = new ArrayList<>();
        bufs.add(new Buf(hdr, 16, false));
        bufs.addAll(data);
        bufs.add(new Buf(status, 1, true));
        int head = q.add(bufs, indirect);
        q.notifyDevice();
        List<VirtioTestDriver.Used> used = q.takeUsed();
        assertEquals(1, used.size());
        assertEquals(head, used.get(0).id());
        return new int[] {mem.readU8(new GuestAddress(status)), used.get(0).len()};
    }

    private byte[] bytes(long addr, int len) {
        byte[] b = new byte[len];
        mem.read(new GuestAddress(addr), b, 0, len);
        return b;
    }

    @Test
    void configSpaceAndFeatures() throws IOException {
        start(false);
        byte[] cap = new byte[8];
        transport.read(VirtioMmio.VIRTIO_MMIO_CONFIG, cap);
        assertEquals(SECTORS, ByteBuffer.wrap(cap).order(ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(SECTORS, blk.capacity());
        assertEquals(2, driver.readReg(VirtioMmio.VIRTIO_MMIO_DEVICE_ID));
        long f = driver.deviceFeatures();
        assertTrue(has(f, VIRTIO_BLK_F_FLUSH));
        assertFalse(has(f, VIRTIO_BLK_F_RO));
        assertEquals(QUEUE_SIZE - 2, driver.readReg(VirtioMmio.VIRTIO_MMIO_CONFIG + 12), "seg_max");
    }

    @Test
    void aReplacedBackendServesReadsAndANewSizeRaisesAConfigChange() throws IOException {
        start(false);
        int generation = driver.readReg(VirtioMmio.VIRTIO_MMIO_CONFIG_GENERATION);
        byte[] other = new byte[2 * SECTORS * SECTOR_SIZE];
        new Random(2).nextBytes(other);
        RawFileBackend bigger = RawFileBackend.open(Files.write(dir.resolve("other.img"), other), false);
        assertSame(backend, blk.replaceBackend(bigger));
        backend.close();
        backend = bigger;
        assertEquals(2 * SECTORS, blk.capacity());
        byte[] cap = new byte[8];
        transport.read(VirtioMmio.VIRTIO_MMIO_CONFIG, cap);
        assertEquals(2 * SECTORS, ByteBuffer.wrap(cap).order(ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(generation + 1, driver.readReg(VirtioMmio.VIRTIO_MMIO_CONFIG_GENERATION));
        assertTrue((driver.readReg(VirtioMmio.VIRTIO_MMIO_INTERRUPT_STATUS) & VirtioMmio.VIRTIO_MMIO_INT_CONFIG) != 0);
        // The last sector of the new file, past the old capacity, is read from the new file.
        long a = driver.alloc(512, 512);
        int[] r = request(VIRTIO_BLK_T_IN, 2 * SECTORS - 1, List.of(new Buf(a, 512, true)), false);
        assertEquals(VIRTIO_BLK_S_OK, r[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(other, other.length - 512, other.length), bytes(a, 512));
    }

    @Test
    void aReplacementOfTheSameSizeRaisesNoConfigChangeAndReadOnlyMustMatch() throws IOException {
        start(false);
        int generation = driver.readReg(VirtioMmio.VIRTIO_MMIO_CONFIG_GENERATION);
        Path same = Files.write(dir.resolve("same.img"), new byte[initial.length]);
        try (RawFileBackend ro = RawFileBackend.open(same, true)) {
            assertThrows(IllegalArgumentException.class, () -> blk.replaceBackend(ro));
        }
        assertSame(backend, blk.backend(), "a refused replacement changes nothing");
        RawFileBackend rw = RawFileBackend.open(same, false);
        blk.replaceBackend(rw).close();
        backend = rw;
        assertEquals(generation, driver.readReg(VirtioMmio.VIRTIO_MMIO_CONFIG_GENERATION));
        long a = driver.alloc(512, 512);
        assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_IN, 0, List.of(new Buf(a, 512, true)), false)[0]);
        assertArrayEquals(new byte[512], bytes(a, 512), "read from the new (zeroed) file");
    }

    @Test
    void readsSectorsAcrossSeveralBuffers() throws IOException {
        start(false);
        long a = driver.alloc(512, 512);
        long b = driver.alloc(1024, 512);
        int[] r = request(VIRTIO_BLK_T_IN, 3, List.of(new Buf(a, 512, true), new Buf(b, 1024, true)), false);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, 1536 + 1}, r);
        byte[] expected = java.util.Arrays.copyOfRange(initial, 3 * 512, 6 * 512);
        byte[] got = new byte[1536];
        System.arraycopy(bytes(a, 512), 0, got, 0, 512);
        System.arraycopy(bytes(b, 1024), 0, got, 512, 1024);
        assertArrayEquals(expected, got);
    }

    @Test
    void writesReachTheFileAndFlushSucceeds() throws IOException {
        start(false);
        long a = driver.alloc(1024, 512);
        byte[] payload = new byte[1024];
        new Random(7).nextBytes(payload);
        mem.write(new GuestAddress(a), payload);
        int[] r = request(VIRTIO_BLK_T_OUT, SECTORS - 2, List.of(new Buf(a, 1024, false)), true);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, 1}, r);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, 1}, request(VIRTIO_BLK_T_FLUSH, 0, List.of(), false));
        byte[] file = Files.readAllBytes(image);
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(file, (SECTORS - 2) * 512, SECTORS * 512));
        assertArrayEquals(java.util.Arrays.copyOf(initial, (SECTORS - 2) * 512),
                java.util.Arrays.copyOf(file, (SECTORS - 2) * 512));
    }

    @Test
    void getIdReturnsTheSerial() throws IOException {
        start(false);
        long id = driver.alloc(VIRTIO_BLK_ID_BYTES, 1);
        int[] r = request(VIRTIO_BLK_T_GET_ID, 0, List.of(new Buf(id, VIRTIO_BLK_ID_BYTES, true)), false);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, VIRTIO_BLK_ID_BYTES + 1}, r);
        assertEquals("jvmm-serial-01234567", new String(bytes(id, 20), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void readOnlyDiskRejectsWrites() throws IOException {
        start(true);
        assertTrue(has(driver.deviceFeatures(), VIRTIO_BLK_F_RO));
        long a = driver.alloc(512, 512);
        int[] r = request(VIRTIO_BLK_T_OUT, 0, List.of(new Buf(a, 512, false)), false);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_IOERR, 1}, r);
        assertArrayEquals(initial, Files.readAllBytes(image));
        assertEquals(1, blk.counters().get(Counter.IO_ERROR));
        // Reads still work.
        assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_IN, 0, List.of(new Buf(a, 512, true)), false)[0]);
    }

    @Test
    void outOfRangeAndUnalignedRequestsGetIoErr() throws IOException {
        start(false);
        long a = driver.alloc(1024, 512);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_IN, SECTORS - 1, List.of(new Buf(a, 1024, true)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_IN, SECTORS, List.of(new Buf(a, 512, true)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_OUT, -1L, List.of(new Buf(a, 512, false)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_OUT, Long.MAX_VALUE, List.of(new Buf(a, 512, false)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_IN, 0, List.of(new Buf(a, 100, true)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_OUT, 0, List.of(new Buf(a, 513, false)), false)[0]);
        assertEquals(6, blk.counters().get(Counter.IO_ERROR));
        assertArrayEquals(initial, Files.readAllBytes(image));
        assertEquals(0, transport.deviceStatus() & VIRTIO_CONFIG_S_NEEDS_RESET);
    }

    @Test
    void wrongDirectionDataIsRejected() throws IOException {
        start(false);
        long a = driver.alloc(512, 512);
        // A read whose data buffer is device-readable: no room to read into, only the status byte.
        int[] r = request(VIRTIO_BLK_T_IN, 0, List.of(new Buf(a, 512, false)), false);
        assertArrayEquals(new int[] {VIRTIO_BLK_S_OK, 1}, r, "a zero-length read of sector 0 is valid");
        // A write whose data is device-writable: the data buffer is taken as the (wrong) status area.
        long w = driver.alloc(512, 512);
        mem.write(new GuestAddress(w), new byte[512]);
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, VIRTIO_BLK_T_OUT);
        long hdr = driver.alloc(16, 8);
        mem.write(new GuestAddress(hdr), h.array());
        q.add(List.of(new Buf(hdr, 16, false), new Buf(w, 512, true)));
        q.notifyDevice();
        assertEquals(1, q.takeUsed().get(0).len());
        assertArrayEquals(initial, Files.readAllBytes(image), "nothing written: no readable data");
    }

    @Test
    void unknownTypeIsUnsupportedAndShortHeaderIsIoErr() throws IOException {
        start(false);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(11 /* DISCARD, not offered */, 0, List.of(), false)[0]);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(0x7fff, 0, List.of(), false)[0]);
        assertEquals(2, blk.counters().get(Counter.UNSUPPORTED_REQUEST));
        long hdr = driver.alloc(8, 8);
        long status = driver.alloc(1, 1);
        q.add(List.of(new Buf(hdr, 8, false), new Buf(status, 1, true)));
        q.notifyDevice();
        assertEquals(1, q.takeUsed().size());
        assertEquals(VIRTIO_BLK_S_IOERR, mem.readU8(new GuestAddress(status)));
        assertEquals(1, blk.counters().get(Counter.MALFORMED_REQUEST));
    }

    @Test
    void requestWithoutStatusByteNeedsReset() throws IOException {
        start(false);
        long hdr = driver.alloc(16, 8);
        q.add(List.of(new Buf(hdr, 16, false)));
        q.notifyDevice();
        assertTrue(q.takeUsed().isEmpty());
        assertEquals(VIRTIO_CONFIG_S_NEEDS_RESET, transport.deviceStatus() & VIRTIO_CONFIG_S_NEEDS_RESET);
        assertEquals(1, blk.counters().get(Counter.DEVICE_NEEDS_RESET));
    }

    @Test
    void openingAMissingImageSaysSo() {
        IOException e = assertThrows(IOException.class, () -> RawFileBackend.open(dir.resolve("nope.img"), false));
        assertTrue(e.getMessage().contains("nope.img: no such file"), e.getMessage());
        guest = new GuardedGuestMemory(0, 4096);
        blk = new VirtioBlock(new MemoryBlockBackend(4096, false), "x");
        backend = null;
    }

    /** VIRTIO_BLK_T_FLUSH is what the guest's fsync becomes: it must reach the back end, once per request. */
    @Test
    void eachFlushRequestFlushesTheBackendAndWritesDoNot() throws IOException {
        guest = new GuardedGuestMemory(0, 1 << 20);
        mem = guest.memory();
        MemoryBlockBackend disk = new MemoryBlockBackend(4096, false);
        blk = new VirtioBlock(disk, "x");
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("blk", blk, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_BLK_F_FLUSH)));
        q = driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        long a = driver.alloc(512, 512);
        assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_OUT, 1, List.of(new Buf(a, 512, false)), false)[0]);
        assertEquals(1, disk.writes);
        assertEquals(0, disk.flushes, "a write alone is not a flush");
        assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_FLUSH, 0, List.of(), false)[0]);
        assertEquals(VIRTIO_BLK_S_OK, request(VIRTIO_BLK_T_FLUSH, 0, List.of(), false)[0]);
        assertEquals(2, disk.flushes);
        backend = null;
    }

    @Test
    void backendFailureGivesIoErr() throws IOException {
        guest = new GuardedGuestMemory(0, 1 << 20);
        mem = guest.memory();
        MemoryBlockBackend failing = new MemoryBlockBackend(4096, false);
        failing.fail = true;
        blk = new VirtioBlock(failing, "x");
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("blk", blk, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1)));
        q = driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        long a = driver.alloc(512, 512);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_IN, 0, List.of(new Buf(a, 512, true)), false)[0]);
        assertEquals(VIRTIO_BLK_S_IOERR, request(VIRTIO_BLK_T_FLUSH, 0, List.of(), false)[0]);
        assertEquals(2, blk.counters().get(Counter.BACKEND_ERROR));
        backend = null;
    }
}
