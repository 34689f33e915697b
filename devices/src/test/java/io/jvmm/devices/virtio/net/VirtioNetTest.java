package io.jvmm.devices.virtio.net;

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

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.net.VirtioNet.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioNetTest {
    private static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};

    private GuardedGuestMemory guest;
    private GuestMemory mem;
    private InMemoryNetBackend backend;
    private VirtioNet net;
    private VirtioMmioTransport transport;
    private VirtioTestDriver driver;
    private VirtioTestDriver.DriverQueue rx;
    private VirtioTestDriver.DriverQueue tx;

    private void start(boolean vnetHeader, boolean offloads, long extraFeatures) {
        start(vnetHeader, offloads, extraFeatures, true);
    }

    private void start(boolean vnetHeader, boolean offloads, long extraFeatures, boolean rxQueue) {
        guest = new GuardedGuestMemory(0, 4 << 20);
        mem = guest.memory();
        backend = new InMemoryNetBackend(vnetHeader);
        net = new VirtioNet(backend, MAC, offloads);
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("net", net, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_NET_F_MAC) | bit(VIRTIO_RING_F_EVENT_IDX)
                | extraFeatures));
        rx = rxQueue ? driver.setupQueue(RX_QUEUE, QUEUE_SIZE, true, false) : null;
        tx = driver.setupQueue(TX_QUEUE, QUEUE_SIZE, true, false);
        driver.driverOk();
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        assertEquals(0, net.counters().get(Counter.UNCHECKED_MEMORY_FAULT));
        assertEquals(0, net.counters().get(Counter.INTERNAL_ERROR));
        guest.close();
    }

    private static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    private long rxBuffer(int len) {
        long b = driver.alloc(len, 8);
        rx.add(List.of(new Buf(b, len, true)));
        return b;
    }

    private byte[] bytes(long addr, int len) {
        byte[] b = new byte[len];
        mem.read(new GuestAddress(addr), b, 0, len);
        return b;
    }

    @Test
    void configHasMacAndLinkUp() {
        start(false, false, 0);
        byte[] cfg = new byte[8];
        for (int i = 0; i < 8; i++) {
            byte[] one = new byte[1];
            transport.read(VirtioMmio.VIRTIO_MMIO_CONFIG + i, one);
            cfg[i] = one[0];
        }
        assertArrayEquals(MAC, Arrays.copyOf(cfg, 6));
        assertEquals(VIRTIO_NET_S_LINK_UP, cfg[6]);
        long f = driver.deviceFeatures();
        assertTrue(has(f, VIRTIO_NET_F_MAC) && has(f, VIRTIO_NET_F_STATUS));
        assertFalse(has(f, VIRTIO_NET_F_CSUM) || has(f, VIRTIO_NET_F_HOST_TSO4), "offloads off by default");
    }

    @Test
    void transmitStripsTheHeader() {
        start(false, false, 0);
        byte[] hdr = new byte[VIRTIO_NET_HDR_SIZE];
        byte[] f = frame(60, 1);
        long h = driver.alloc(hdr.length, 8);
        long d = driver.alloc(f.length, 8);
        mem.write(new GuestAddress(d), f);
        int head = tx.add(List.of(new Buf(h, hdr.length, false), new Buf(d, 30, false), new Buf(d + 30, 30, false)));
        tx.kick();
        assertEquals(List.of(new VirtioTestDriver.Used(head, 0)), tx.takeUsed());
        List<byte[]> sent = backend.takeSent();
        assertEquals(1, sent.size());
        assertArrayEquals(f, sent.get(0));
    }

    @Test
    void transmitDropsOversizeAndRuntChains() {
        start(false, false, 0);
        long big = driver.alloc(MAX_FRAME_SIZE + VIRTIO_NET_HDR_SIZE + 1, 8);
        tx.add(List.of(new Buf(big, MAX_FRAME_SIZE + VIRTIO_NET_HDR_SIZE + 1, false)));
        tx.add(List.of(new Buf(big, VIRTIO_NET_HDR_SIZE + 13, false)));
        tx.add(List.of(new Buf(big, MAX_FRAME_SIZE + VIRTIO_NET_HDR_SIZE, false))); // the largest that fits
        tx.kick();
        assertEquals(3, tx.takeUsed().size(), "dropped chains are still returned to the driver");
        assertEquals(2, net.counters().get(Counter.TX_DROPPED));
        assertEquals(MAX_FRAME_SIZE, backend.takeSent().get(0).length);
    }

    @Test
    void receiveAddsAHeaderWithNumBuffersOne() {
        start(false, false, 0);
        long b = rxBuffer(1526);
        rx.kick();
        byte[] f = frame(1514, 3);
        backend.inject(f);
        int irqs = driver.interrupts();
        transport.backendReady();
        List<VirtioTestDriver.Used> used = rx.takeUsed();
        assertEquals(1, used.size());
        assertEquals(1514 + VIRTIO_NET_HDR_SIZE, used.get(0).len());
        byte[] hdr = bytes(b, VIRTIO_NET_HDR_SIZE);
        byte[] expectedHdr = new byte[VIRTIO_NET_HDR_SIZE];
        expectedHdr[10] = 1;
        assertArrayEquals(expectedHdr, hdr);
        assertArrayEquals(f, bytes(b + VIRTIO_NET_HDR_SIZE, 1514));
        assertEquals(irqs + 1, driver.interrupts());
    }

    @Test
    void receiveDropsFramesThatDoNotFitAndKeepsTheBuffer() {
        start(false, false, 0);
        long b = rxBuffer(100);
        backend.inject(frame(200, 1));     // does not fit 100 - 12
        backend.inject(frame(88, 2));      // fits exactly
        transport.backendReady();
        List<VirtioTestDriver.Used> used = rx.takeUsed();
        assertEquals(1, used.size());
        assertEquals(100, used.get(0).len());
        assertArrayEquals(frame(88, 2), bytes(b + VIRTIO_NET_HDR_SIZE, 88));
        assertEquals(1, net.counters().get(Counter.RX_DROPPED));
    }

    @Test
    void receiveWaitsForBuffersWhenTheRingIsEmpty() {
        start(false, false, 0);
        backend.inject(frame(60, 1));
        backend.inject(frame(61, 2));
        transport.backendReady();
        assertTrue(net.isRxStalled());
        assertEquals(1, backend.pendingToGuest(), "one frame read and held, the other still in the back end");
        long b1 = rxBuffer(200);
        long b2 = rxBuffer(200);
        assertTrue(rx.kick(), "with EVENT_IDX the device asked to be kicked when buffers arrive");
        assertFalse(net.isRxStalled());
        assertEquals(2, rx.takeUsed().size());
        assertArrayEquals(frame(60, 1), bytes(b1 + VIRTIO_NET_HDR_SIZE, 60));
        assertArrayEquals(frame(61, 2), bytes(b2 + VIRTIO_NET_HDR_SIZE, 61));
        assertEquals(0, net.counters().get(Counter.RX_DROPPED));
    }

    /**
     * The I/O thread's level-triggered poll of a TAP, as IoEventLoop runs it: each round, while the back end
     * has input and the transport wants it, the handler runs. Returns the handler runs, at most
     * {@code rounds}: a handler that makes no progress while still "wanted" would run every round (100 % CPU).
     */
    private int pollRounds(int rounds) {
        int runs = 0;
        for (int i = 0; i < rounds && backend.pendingToGuest() > 0 && transport.backendInputWanted(); i++) {
            transport.backendReady();
            runs++;
        }
        return runs;
    }

    @Test
    void aTapIsNotPolledWhileTheReceiveQueueIsNotLive() {
        start(false, false, 0, false); // DRIVER_OK with only the transmit queue ready
        backend.inject(frame(60, 1));
        assertEquals(0, pollRounds(1000), "the I/O thread would spin on a readable TAP");
        assertEquals(1, backend.pendingToGuest(), "the frame stays in the back end");
        assertEquals(0, net.counters().get(Counter.RX_DROPPED));
    }

    @Test
    void aStalledReceiveQueueIsPolledAgainOnceTheGuestAddsBuffers() {
        start(false, false, 0);
        backend.inject(frame(60, 1));
        backend.inject(frame(61, 2));
        assertEquals(1, pollRounds(1000), "one run reads a frame and finds no buffer; then the poll stops");
        assertTrue(net.isRxStalled());
        assertFalse(transport.backendInputWanted());
        long b1 = rxBuffer(200);
        long b2 = rxBuffer(200);
        rx.kick(); // the receive queue's notify: delivers the held frame and the next, and re-arms the poll
        assertTrue(transport.backendInputWanted());
        assertEquals(0, backend.pendingToGuest());
        assertEquals(2, rx.takeUsed().size());
        assertArrayEquals(frame(60, 1), bytes(b1 + VIRTIO_NET_HDR_SIZE, 60));
        assertArrayEquals(frame(61, 2), bytes(b2 + VIRTIO_NET_HDR_SIZE, 61));
        long b3 = rxBuffer(200);
        backend.inject(frame(62, 3));
        assertEquals(1, pollRounds(1000), "the TAP is polled again and its frame delivered");
        assertArrayEquals(frame(62, 3), bytes(b3 + VIRTIO_NET_HDR_SIZE, 62));
    }

    @Test
    void theTapIsNotPolledBeforeDriverOkNorAfterAReset() {
        guest = new GuardedGuestMemory(0, 4 << 20);
        mem = guest.memory();
        backend = new InMemoryNetBackend(false);
        net = new VirtioNet(backend, MAC, false);
        transport = new VirtioMmioTransport("net", net, mem, () -> { });
        backend.inject(frame(60, 1));
        assertEquals(0, pollRounds(1000), "before DRIVER_OK");
        driver = new VirtioTestDriver(transport, mem, new AtomicInteger(), 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_NET_F_MAC)));
        rx = driver.setupQueue(RX_QUEUE, QUEUE_SIZE, false, false);
        driver.setupQueue(TX_QUEUE, QUEUE_SIZE, false, false);
        driver.driverOk();
        rxBuffer(200);
        rx.kick(); // takes the first frame
        assertEquals(0, backend.pendingToGuest());
        assertTrue(transport.backendInputWanted());
        backend.inject(frame(61, 2));
        driver.writeReg(VirtioMmio.VIRTIO_MMIO_STATUS, 0); // reset
        assertFalse(transport.backendInputWanted());
        assertEquals(1, backend.pendingToGuest());
    }

    @Test
    void vnetHeaderBackendPassesTheHeaderThroughWithOffloads() {
        long off = bit(VIRTIO_NET_F_CSUM) | bit(VIRTIO_NET_F_GUEST_CSUM) | bit(VIRTIO_NET_F_HOST_TSO4);
        start(true, true, off);
        assertEquals(off, backend.offloads());
        byte[] withHdr = frame(VIRTIO_NET_HDR_SIZE + 60, 5);
        long d = driver.alloc(withHdr.length, 8);
        mem.write(new GuestAddress(d), withHdr);
        tx.add(List.of(new Buf(d, withHdr.length, false)));
        tx.kick();
        assertArrayEquals(withHdr, backend.takeSent().get(0));

        long b = rxBuffer(200);
        backend.inject(withHdr);
        transport.backendReady();
        assertEquals(withHdr.length, rx.takeUsed().get(0).len());
        byte[] got = bytes(b, withHdr.length);
        assertEquals(1, got[10]);
        assertEquals(0, got[11]);
        got[10] = withHdr[10];
        got[11] = withHdr[11];
        assertArrayEquals(withHdr, got);
    }

    @Test
    void offloadsNeedAVnetHeaderBackend() {
        guest = new GuardedGuestMemory(0, 4096);
        net = new VirtioNet(new InMemoryNetBackend(), null, false);
        assertThrows(IllegalArgumentException.class, () -> new VirtioNet(new InMemoryNetBackend(false), null, true));
    }

    @Test
    void macAddresses() {
        guest = new GuardedGuestMemory(0, 4096);
        net = new VirtioNet(new InMemoryNetBackend(), null, false);
        byte[] m = net.mac();
        assertEquals(0x02, m[0] & 0x03, "generated: locally administered unicast");
        assertArrayEquals(MAC, VirtioNet.parseMac("52:54:00:12:34:56"));
        assertThrows(IllegalArgumentException.class, () -> VirtioNet.parseMac("52:54:00:12:34"));
        assertThrows(IllegalArgumentException.class, () -> VirtioNet.parseMac("52:54:00:12:34:zz"));
        assertThrows(IllegalArgumentException.class, () -> VirtioNet.parseMac("01:00:5e:00:00:01"));
    }
}
