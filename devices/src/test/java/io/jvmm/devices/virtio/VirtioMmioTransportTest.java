package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioMmioTransportTest {
    private static final long MODERN = bit(VIRTIO_F_VERSION_1);

    private GuardedGuestMemory guest;
    private RecordingDevice device;
    private VirtioMmioTransport transport;
    private AtomicInteger interrupts;
    private VirtioTestDriver driver;

    @BeforeEach
    void setUp() {
        guest = new GuardedGuestMemory(0, 1 << 20);
        device = new RecordingDevice();
        interrupts = new AtomicInteger();
        transport = new VirtioMmioTransport("test", device, guest.memory(), interrupts::incrementAndGet);
        driver = new VirtioTestDriver(transport, guest.memory(), interrupts, 0x1000);
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        guest.close();
    }

    @Test
    void identificationRegisters() {
        assertEquals(0x74726976, driver.readReg(VIRTIO_MMIO_MAGIC_VALUE));
        assertEquals(2, driver.readReg(VIRTIO_MMIO_VERSION));
        assertEquals(RecordingDevice.TYPE, driver.readReg(VIRTIO_MMIO_DEVICE_ID));
        assertEquals(JVMM_VENDOR_ID, driver.readReg(VIRTIO_MMIO_VENDOR_ID));
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 0);
        assertEquals(16, driver.readReg(VIRTIO_MMIO_QUEUE_NUM_MAX));
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 1);
        assertEquals(64, driver.readReg(VIRTIO_MMIO_QUEUE_NUM_MAX));
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 2);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_QUEUE_NUM_MAX), "a missing queue has QueueNumMax 0");
        assertEquals(0, driver.readReg(VIRTIO_MMIO_QUEUE_READY));
        assertEquals(-1, driver.readReg(VIRTIO_MMIO_SHM_LEN_LOW), "no shared memory regions");
    }

    @Test
    void offersTransportAndDeviceFeatures() {
        long f = driver.deviceFeatures();
        assertEquals(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_EVENT_IDX) | bit(VIRTIO_RING_F_INDIRECT_DESC)
                | bit(RecordingDevice.DEVICE_FEATURE_BIT), f);
        driver.writeReg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_DEVICE_FEATURES));
    }

    @Test
    void featuresOkRefusedWithoutVersion1() {
        assertFalse(driver.negotiate(bit(VIRTIO_RING_F_EVENT_IDX)));
        assertEquals(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, driver.readReg(VIRTIO_MMIO_STATUS));
        assertEquals(1, transport.counters().get(VirtioCounters.Counter.FEATURES_REFUSED));
    }

    @Test
    void featuresOkRefusedForFeaturesNotOffered() {
        assertFalse(driver.negotiate(MODERN | bit(40)));
        assertTrue(driver.negotiate(MODERN | bit(RecordingDevice.DEVICE_FEATURE_BIT)));
        driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        assertEquals(MODERN | bit(RecordingDevice.DEVICE_FEATURE_BIT), device.activatedFeatures);
    }

    @Test
    void statusStepsCannotBeSkipped() {
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_DRIVER_OK);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_STATUS));
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_FEATURES_OK);
        assertEquals(VIRTIO_CONFIG_S_ACKNOWLEDGE, driver.readReg(VIRTIO_MMIO_STATUS));
        assertEquals(2, transport.counters().get(VirtioCounters.Counter.INVALID_STATUS_TRANSITION));
        // Features may not be written before DRIVER.
        driver.writeReg(VIRTIO_MMIO_DRIVER_FEATURES, 1);
        assertEquals(3, transport.counters().get(VirtioCounters.Counter.INVALID_STATUS_TRANSITION));
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_FAILED);
        assertEquals(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_FAILED, driver.readReg(VIRTIO_MMIO_STATUS));
        assertEquals(0, device.activations);
    }

    @Test
    void driverOkActivatesAndNotifyProcessesTheQueue() {
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 16, false, false);
        assertEquals(1, driver.readReg(VIRTIO_MMIO_QUEUE_READY));
        driver.driverOk();
        assertEquals(1, device.activations);
        assertEquals(0xf, driver.readReg(VIRTIO_MMIO_STATUS));

        long buf = driver.alloc(8, 8);
        guest.memory().writeLong(new GuestAddress(buf), 0x1122334455667788L);
        long out = driver.alloc(4, 4);
        int head = q.add(List.of(new VirtioTestDriver.Buf(buf, 8, false), new VirtioTestDriver.Buf(out, 4, true)));
        q.notifyDevice();

        assertEquals(List.of(new VirtioTestDriver.Used(head, 4)), q.takeUsed());
        assertEquals(0xabababab, guest.memory().readInt(new GuestAddress(out)));
        assertEquals(1, device.chains.size());
        assertEquals(8, device.chains.get(0).readableLength());
        assertEquals(1, driver.interrupts());
        assertEquals(VIRTIO_MMIO_INT_VRING, driver.ackInterrupt());
        assertEquals(0, driver.readReg(VIRTIO_MMIO_INTERRUPT_STATUS));
    }

    @Test
    void resetReturnsEverythingToTheInitialState() {
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 8, false, false);
        driver.driverOk();
        q.add(List.of(new VirtioTestDriver.Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertNotEquals(0, driver.readReg(VIRTIO_MMIO_INTERRUPT_STATUS));

        int resets = device.resets;
        driver.writeReg(VIRTIO_MMIO_STATUS, 0);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_STATUS));
        assertEquals(0, driver.readReg(VIRTIO_MMIO_INTERRUPT_STATUS));
        assertEquals(resets + 1, device.resets);
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 0);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_QUEUE_READY));
        // A notification after reset reaches nothing.
        int before = device.notifications;
        q.notifyDevice();
        assertEquals(before, device.notifications);
        // The queue starts over at index 0 after a new handshake.
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q2 = driver.setupQueue(0, 8, false, false);
        driver.driverOk();
        int head = q2.add(List.of(new VirtioTestDriver.Buf(driver.alloc(4, 4), 4, true)));
        q2.notifyDevice();
        assertEquals(List.of(new VirtioTestDriver.Used(head, 4)), q2.takeUsed());
        assertEquals(2, device.activations);
    }

    @Test
    void badQueueSizesAndRingsSetNeedsReset() {
        long[][] cases = {
                {3, 0x10000, 0x11000, 0x12000},        // not a power of two
                {32, 0x10000, 0x11000, 0x12000},       // above QueueNumMax 16
                {0, 0x10000, 0x11000, 0x12000},        // zero
                {16, 0x10008, 0x11000, 0x12000},       // descriptor table not 16-aligned
                {16, 0x10000, 0x11001, 0x12000},       // avail not 2-aligned
                {16, 0x10000, 0x11000, 0x12002},       // used not 4-aligned
                {16, 0xfffff0, 0x11000, 0x12000},      // outside memory
                {16, 0x10000, 0x11000, (1 << 20) - 8}, // used ring crosses the end of memory
        };
        int expected = 0;
        for (long[] c : cases) {
            assertTrue(driver.negotiate(MODERN));
            driver.setupQueueAt(0, (int) c[0], c[1], c[2], c[3], false, false);
            int irqs = driver.interrupts();
            driver.driverOk();
            expected++;
            int status = driver.readReg(VIRTIO_MMIO_STATUS);
            assertEquals(VIRTIO_CONFIG_S_NEEDS_RESET, status & VIRTIO_CONFIG_S_NEEDS_RESET, "case " + c[0] + "/" + c[1]);
            assertEquals(irqs + 1, driver.interrupts());
            assertEquals(VIRTIO_MMIO_INT_CONFIG, driver.ackInterrupt() & VIRTIO_MMIO_INT_CONFIG);
            assertEquals(expected, transport.counters().get(VirtioCounters.Counter.INVALID_QUEUE_CONFIG));
        }
        assertEquals(0, device.activations);
    }

    @Test
    void driverCannotSetOrClearNeedsReset() {
        assertTrue(driver.negotiate(MODERN));
        driver.setupQueueAt(0, 3, 0x10000, 0x11000, 0x12000, false, false);
        driver.driverOk();
        int status = driver.readReg(VIRTIO_MMIO_STATUS);
        driver.writeReg(VIRTIO_MMIO_STATUS, status & ~VIRTIO_CONFIG_S_NEEDS_RESET);
        assertEquals(status, driver.readReg(VIRTIO_MMIO_STATUS));
        driver.writeReg(VIRTIO_MMIO_STATUS, 0);
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_NEEDS_RESET);
        assertEquals(VIRTIO_CONFIG_S_ACKNOWLEDGE, driver.readReg(VIRTIO_MMIO_STATUS));
    }

    @Test
    void queueRegistersFrozenOnceReady() {
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 16, false, false);
        driver.writeReg(VIRTIO_MMIO_QUEUE_NUM, 3);               // ignored: queue is ready
        driver.writeReg(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x7777777);  // ignored
        driver.driverOk();
        assertEquals(1, device.activations);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
        int head = q.add(List.of(new VirtioTestDriver.Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(head, q.takeUsed().get(0).id());
    }

    @Test
    void registerAccessWidthsAndConfigSpace() {
        byte[] two = new byte[2];
        transport.read(VIRTIO_MMIO_MAGIC_VALUE, two);
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xff}, two);
        byte[] four = new byte[4];
        transport.read(VIRTIO_MMIO_VERSION + 1, four);
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, four);
        transport.write(VIRTIO_MMIO_STATUS, new byte[] {1});
        assertEquals(0, driver.readReg(VIRTIO_MMIO_STATUS), "a 1-byte Status write is ignored");
        assertEquals(3, transport.counters().get(VirtioCounters.Counter.INVALID_REGISTER_ACCESS));
        driver.readReg(0x0f0); // no register there
        assertEquals(4, transport.counters().get(VirtioCounters.Counter.INVALID_REGISTER_ACCESS));

        byte[] b = new byte[1];
        transport.read(VIRTIO_MMIO_CONFIG + 2, b);
        assertEquals(3, b[0]);
        transport.read(VIRTIO_MMIO_CONFIG, four);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, four);
        transport.read(VIRTIO_MMIO_CONFIG + 6, four);
        assertArrayEquals(new byte[] {7, 8, 0, 0}, four, "past the config space reads zeros");
    }

    @Test
    void configChangeBumpsGenerationAndInterrupts() {
        assertTrue(driver.negotiate(MODERN));
        driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        int gen = driver.readReg(VIRTIO_MMIO_CONFIG_GENERATION);
        device.changeConfig();
        assertEquals(gen + 1, driver.readReg(VIRTIO_MMIO_CONFIG_GENERATION));
        assertEquals(1, driver.interrupts());
        assertEquals(VIRTIO_MMIO_INT_CONFIG, driver.ackInterrupt());
    }

    @Test
    void queueNotifyHandlerDefersProcessingToTheIoThread() {
        List<Integer> handed = new ArrayList<>();
        transport.setQueueNotifyHandler(handed::add);
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(1, 64, false, false);
        driver.driverOk();
        int head = q.add(List.of(new VirtioTestDriver.Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertEquals(List.of(1), handed);
        assertTrue(q.takeUsed().isEmpty(), "nothing processed on the vCPU thread");
        transport.notifyQueue(1); // what the I/O thread does
        assertEquals(head, q.takeUsed().get(0).id());
        transport.notifyQueue(0);  // not ready: ignored
        transport.notifyQueue(7);  // no such queue: ignored
        transport.notifyQueue(-1);
        assertEquals(1, device.notifications);
    }

    @Test
    void queueReadyZeroStopsTheDeviceFromTouchingTheQueue() {
        assertTrue(driver.negotiate(MODERN));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 0);
        driver.writeReg(VIRTIO_MMIO_QUEUE_READY, 0);
        assertEquals(0, driver.readReg(VIRTIO_MMIO_QUEUE_READY));
        q.add(List.of(new VirtioTestDriver.Buf(driver.alloc(4, 4), 4, true)));
        q.notifyDevice();
        assertTrue(q.takeUsed().isEmpty());
        assertTrue(device.chains.isEmpty());
        assertEquals(0, driver.interrupts());
    }
}
