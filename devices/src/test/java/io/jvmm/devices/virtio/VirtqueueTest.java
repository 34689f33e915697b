package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.*;
import static io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import static org.junit.jupiter.api.Assertions.*;

/** The split ring through the transport and the test driver: chains, suppression, guest errors. */
class VirtqueueTest {
    private static final long MODERN = bit(VIRTIO_F_VERSION_1);

    private GuardedGuestMemory guest;
    private GuestMemory mem;
    private RecordingDevice device;
    private VirtioMmioTransport transport;
    private VirtioTestDriver driver;

    @BeforeEach
    void setUp() {
        // Two regions with a hole between them: 0..1 MiB and 2..3 MiB.
        guest = new GuardedGuestMemory(0, 1 << 20, 2 << 20, 1 << 20);
        mem = guest.memory();
        device = new RecordingDevice();
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("test", device, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        assertEquals(0, transport.counters().get(UNCHECKED_MEMORY_FAULT));
        assertEquals(0, transport.counters().get(INTERNAL_ERROR));
        guest.close();
    }

    private VirtioTestDriver.DriverQueue start(long features) {
        assertTrue(driver.negotiate(MODERN | features));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(1, 64, has(features, VIRTIO_RING_F_EVENT_IDX),
                has(features, VIRTIO_RING_F_INDIRECT_DESC));
        driver.driverOk();
        return q;
    }

    private boolean needsReset() {
        return (transport.deviceStatus() & VIRTIO_CONFIG_S_NEEDS_RESET) != 0;
    }

    private void writeDesc(long table, int i, long addr, int len, int flags, int next) {
        long at = table + 16L * i;
        mem.writeLong(new GuestAddress(at), addr);
        mem.writeInt(new GuestAddress(at + 8), len);
        mem.writeU16(new GuestAddress(at + 12), flags);
        mem.writeU16(new GuestAddress(at + 14), next);
    }

    /** Puts head {@code head} in the next avail slot and notifies. */
    private void publish(VirtioTestDriver.DriverQueue q, int slot, int head) {
        mem.writeU16(new GuestAddress(q.avail + 4 + 2L * slot), head);
        q.setAvailIdx(slot + 1);
        q.notifyDevice();
    }

    @Test
    void chainSplitsReadableAndWritableAndSkipsZeroLength() {
        VirtioTestDriver.DriverQueue q = start(0);
        long a = driver.alloc(100, 8);
        long b = driver.alloc(50, 8);
        long c = driver.alloc(30, 8);
        int head = q.add(List.of(new Buf(a, 100, false), new Buf(0xdead0000L, 0, false), new Buf(b, 50, true),
                new Buf(c, 30, true)));
        q.notifyDevice();
        DescriptorChain chain = device.chains.get(0);
        assertEquals(head, chain.headIndex());
        assertEquals(1, chain.readable().size(), "the zero-length descriptor is left out, whatever its address");
        assertEquals(100, chain.readableLength());
        assertEquals(80, chain.writableLength());
        assertEquals(List.of(new VirtioTestDriver.Used(head, 80)), q.takeUsed());
        assertFalse(needsReset());
    }

    @Test
    void indirectTableWhenNegotiated() {
        VirtioTestDriver.DriverQueue q = start(bit(VIRTIO_RING_F_INDIRECT_DESC));
        long a = driver.alloc(16, 8);
        long b = driver.alloc(2 << 10, 8);
        int head = q.add(List.of(new Buf(a, 16, false), new Buf(b, 2048, true)), true);
        q.notifyDevice();
        assertEquals(List.of(new VirtioTestDriver.Used(head, 2048)), q.takeUsed());
        assertEquals((byte) 0xab, mem.readByte(new GuestAddress(b + 2047)));
        assertFalse(needsReset());
    }

    @Test
    void indirectWithoutNegotiationNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(0);
        q.add(List.of(new Buf(driver.alloc(16, 8), 16, true)), true);
        q.notifyDevice();
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(INVALID_INDIRECT));
        assertEquals(1, transport.counters().get(DEVICE_NEEDS_RESET));
        assertTrue(q.takeUsed().isEmpty());
        assertEquals(VirtioMmio.VIRTIO_MMIO_INT_CONFIG, driver.ackInterrupt());
    }

    @Test
    void nestedIndirectNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(bit(VIRTIO_RING_F_INDIRECT_DESC));
        long inner = driver.alloc(16, 16);
        long outer = driver.alloc(16, 16);
        writeDesc(inner, 0, driver.alloc(8, 8), 8, Virtqueue.VIRTQ_DESC_F_WRITE, 0);
        writeDesc(outer, 0, inner, 16, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        writeDesc(q.desc, 0, outer, 16, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        publish(q, 0, 0);
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(INVALID_INDIRECT));
    }

    @Test
    void loopingChainNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(0);
        long buf = driver.alloc(8, 8);
        writeDesc(q.desc, 0, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 1);
        writeDesc(q.desc, 1, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 0);
        publish(q, 0, 0);
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(CHAIN_TOO_LONG));
        // Further notifications are ignored until reset.
        q.notifyDevice();
        assertEquals(1, device.notifications);
    }

    @Test
    void loopInsideIndirectTableNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(bit(VIRTIO_RING_F_INDIRECT_DESC));
        long table = driver.alloc(32, 16);
        long buf = driver.alloc(8, 8);
        writeDesc(table, 0, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 1);
        writeDesc(table, 1, buf, 8, Virtqueue.VIRTQ_DESC_F_NEXT, 0);
        writeDesc(q.desc, 0, table, 32, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        publish(q, 0, 0);
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(CHAIN_TOO_LONG));
    }

    @Test
    void buffersOutsideMemoryOrAcrossTheHoleNeedReset() {
        long[][] bad = {{0xffff_ffff_ffff_fff0L, 32}, {(1 << 20) - 8, 16}, {(2 << 20) - 4, 8}, {3 << 20, 1},
                {0x1000, 0xffff_ffffL}};
        for (long[] b : bad) {
            VirtioTestDriver.DriverQueue q = start(0);
            writeDesc(q.desc, 0, b[0], (int) b[1], 0, 0);
            long before = transport.counters().get(INVALID_DESCRIPTOR);
            publish(q, 0, 0);
            assertTrue(needsReset(), Long.toHexString(b[0]));
            assertEquals(before + 1, transport.counters().get(INVALID_DESCRIPTOR));
        }
    }

    @Test
    void headAndNextIndexesPastTheTableNeedReset() {
        VirtioTestDriver.DriverQueue q = start(0);
        publish(q, 0, 64);
        assertTrue(needsReset());
        q = start(0);
        writeDesc(q.desc, 0, driver.alloc(8, 8), 8, Virtqueue.VIRTQ_DESC_F_NEXT, 200);
        publish(q, 0, 0);
        assertTrue(needsReset());
        assertEquals(2, transport.counters().get(INVALID_DESCRIPTOR));
    }

    @Test
    void readableAfterWritableNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(0);
        q.add(List.of(new Buf(driver.alloc(8, 8), 8, true), new Buf(driver.alloc(8, 8), 8, false)));
        q.notifyDevice();
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(READABLE_AFTER_WRITABLE));
    }

    @Test
    void availIdxJumpingPastQueueSizeNeedsReset() {
        VirtioTestDriver.DriverQueue q = start(0);
        q.setAvailIdx(65);
        q.notifyDevice();
        assertTrue(needsReset());
        assertEquals(1, transport.counters().get(INVALID_AVAIL_IDX));
        assertTrue(device.chains.isEmpty());
    }

    @Test
    void availIdxWrapsAround() {
        VirtioTestDriver.DriverQueue q = start(0);
        for (int i = 0; i < 70_000; i += 1) {
            q.add(List.of(new Buf(0x8000, 4, true)));
            if (i % 50 == 49) {
                q.notifyDevice();
                assertEquals(50, q.takeUsed().size());
            }
        }
        assertFalse(needsReset());
    }

    @Test
    void noInterruptFlagSuppressesWithoutEventIdx() {
        VirtioTestDriver.DriverQueue q = start(0);
        q.setAvailFlags(Virtqueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(1, q.takeUsed().size());
        assertEquals(0, driver.interrupts());
        q.setAvailFlags(0);
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(1, driver.interrupts());
    }

    @Test
    void eventIdxSuppressesInterruptsUntilUsedEventPassed() {
        VirtioTestDriver.DriverQueue q = start(bit(VIRTIO_RING_F_EVENT_IDX));
        q.setAvailFlags(Virtqueue.VIRTQ_AVAIL_F_NO_INTERRUPT); // must be ignored with EVENT_IDX
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(1, driver.interrupts(), "the first used buffer always interrupts");
        q.setUsedEvent(3); // interrupt me once used idx passes 3, i.e. reaches 4
        for (int i = 0; i < 2; i++) {
            q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
            q.notifyDevice();
        }
        assertEquals(1, driver.interrupts(), "used idx 3 has not passed used_event 3");
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(2, driver.interrupts());
        assertEquals(4, q.takeUsed().size());
    }

    @Test
    void eventIdxPublishesAvailEventSoTheDriverKicksOnlyWhenNeeded() {
        VirtioTestDriver.DriverQueue q = start(bit(VIRTIO_RING_F_EVENT_IDX));
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        assertTrue(q.kick());
        assertEquals(1, q.availEvent(), "device waits for the entry at avail index 1");
        assertEquals(1, q.takeUsed().size());
        // Without the device having looked, a second batch past the event still kicks once.
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        assertTrue(q.kick());
        assertEquals(2, q.takeUsed().size());
        assertEquals(3, q.availEvent());
    }

    @Test
    void vringNeedEventMatchesLinux() {
        assertTrue(Virtqueue.vringNeedEvent(0, 1, 0));
        assertFalse(Virtqueue.vringNeedEvent(1, 1, 0));
        assertTrue(Virtqueue.vringNeedEvent(5, 7, 3));
        assertFalse(Virtqueue.vringNeedEvent(7, 7, 3));
        assertTrue(Virtqueue.vringNeedEvent(0xffff, 1, 0xfffe), "wraps at 2^16");
    }

    @Test
    void noNotifyIsSetWhileProcessingAndClearedWhenTheQueueRunsEmpty() {
        VirtioTestDriver.DriverQueue q = start(0);
        int[] flagsSeen = new int[1];
        device.onChain = () -> flagsSeen[0] = mem.readU16(new GuestAddress(q.used));
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        assertTrue(q.kick());
        assertEquals(Virtqueue.VIRTQ_USED_F_NO_NOTIFY, flagsSeen[0], "no kicks wanted while the device works");
        assertEquals(0, mem.readU16(new GuestAddress(q.used)), "kicks wanted again once the queue is empty");
        q.add(List.of(new Buf(driver.alloc(4, 4), 4, true)));
        assertTrue(q.kick());
        assertEquals(2, q.takeUsed().size());
    }
}
