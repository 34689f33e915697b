package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import io.jvmm.devices.virtio.VirtioTestDriver.Used;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * VirtioMmioTransport.state() / restore(): registers and queues survive, a restored queue carries on at
 * the same ring indices, and a tampered record is refused before the device is touched.
 */
class VirtioMmioStateTest {
    private static final long MEM = 1 << 20;
    private static final long FEATURES = bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_INDIRECT_DESC)
            | bit(RecordingDevice.DEVICE_FEATURE_BIT);

    private GuardedGuestMemory guest;
    private RecordingDevice device;
    private VirtioMmioTransport transport;
    private AtomicInteger interrupts;
    private VirtioTestDriver driver;

    @BeforeEach
    void setUp() {
        guest = new GuardedGuestMemory(0, MEM);
        device = new RecordingDevice();
        interrupts = new AtomicInteger();
        transport = new VirtioMmioTransport("test0", device, guest.memory(), interrupts::incrementAndGet);
        driver = new VirtioTestDriver(transport, guest.memory(), interrupts, 0x1000);
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        guest.close();
    }

    /** Restores {@code state} on a fresh device over the same memory; the driver talks to the new transport. */
    private VirtioMmioTransport restore(VirtioMmioState state, RecordingDevice fresh) {
        VirtioMmioTransport t = VirtioMmioTransport.restore("test0", state, fresh, guest.memory(),
                interrupts::incrementAndGet);
        driver.reconnect(t);
        return t;
    }

    private int request(VirtioTestDriver.DriverQueue q) {
        long buf = driver.alloc(8, 8);
        int head = q.add(List.of(new Buf(buf, 8, true)));
        q.kick();
        return head;
    }

    /** Negotiated, both queues live, {@code done} requests completed on queue 0 and one on queue 1. */
    private VirtioTestDriver.DriverQueue[] busyDevice(boolean eventIdx, int done) {
        assertTrue(driver.negotiate(FEATURES | (eventIdx ? bit(VIRTIO_RING_F_EVENT_IDX) : 0)));
        VirtioTestDriver.DriverQueue q0 = driver.setupQueue(0, 16, eventIdx, true);
        VirtioTestDriver.DriverQueue q1 = driver.setupQueue(1, 32, eventIdx, true);
        driver.driverOk();
        for (int i = 0; i < done; i++) {
            request(q0);
        }
        request(q1);
        assertEquals(done, q0.takeUsed().size());
        assertEquals(1, q1.takeUsed().size());
        return new VirtioTestDriver.DriverQueue[] {q0, q1};
    }

    @Test
    void liveQueuesRoundTripAndCarryOnAtTheNextUsedIndex() {
        tearDown(); // each round builds its own VM
        for (boolean eventIdx : new boolean[] {false, true}) {
            setUp();
            VirtioTestDriver.DriverQueue[] qs = busyDevice(eventIdx, 5);
            driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 1);
            VirtioMmioState state = transport.state();
            assertTrue(state.activated());
            assertEquals(5, state.queues().get(0).lastAvailIdx());
            assertEquals(5, state.queues().get(0).nextUsedIdx());
            assertEquals(eventIdx, state.queues().get(0).signalledValid());
            assertEquals(1, state.queueSel());

            RecordingDevice fresh = new RecordingDevice();
            VirtioMmioTransport restored = restore(state, fresh);
            assertEquals(state, restored.state());
            assertEquals(1, fresh.activations, "the restored device is activated once");
            assertEquals(state.driverFeatures(), fresh.activatedFeatures);
            assertEquals(VIRTIO_CONFIG_S_DRIVER_OK, restored.deviceStatus() & VIRTIO_CONFIG_S_DRIVER_OK);
            assertEquals(1, driver.readReg(VIRTIO_MMIO_QUEUE_READY), "QueueSel 1 is still selected and ready");

            int before = interrupts.get();
            int head = request(qs[0]);
            assertEquals(1, fresh.chains.size(), "the old chains are not taken again");
            List<Used> used = qs[0].takeUsed();
            assertEquals(List.of(new Used(head, 8)), used);
            assertEquals(6, qs[0].usedIdx(), "the next request lands at used index 5, the sixth");
            if (eventIdx) {
                // used_event is still 0 and the device signalled at used idx 5 before the snapshot: a
                // restored EVENT_IDX state says the driver wants no interrupt for used idx 6.
                assertEquals(before, interrupts.get());
                qs[0].setUsedEvent(6);
                request(qs[0]);
                assertEquals(1, qs[0].takeUsed().size());
            }
            assertEquals(before + 1, interrupts.get());
            assertEquals(VIRTIO_MMIO_INT_VRING, driver.ackInterrupt() & VIRTIO_MMIO_INT_VRING);
            tearDown();
        }
        setUp(); // for @AfterEach
    }

    @Test
    void registerStatesBeforeActivationRoundTrip() {
        List<VirtioMmioState> states = new ArrayList<>();
        states.add(transport.state());
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
        states.add(transport.state());
        driver.writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        driver.writeReg(VIRTIO_MMIO_DRIVER_FEATURES, 0x7);  // not accepted yet: FEATURES_OK is to come
        states.add(transport.state());
        assertTrue(driver.negotiate(FEATURES));
        driver.configureQueue(0, 3, 0x1001, 0xfffffff0L, MEM * 4); // nonsense until DRIVER_OK checks it
        driver.writeReg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        states.add(transport.state());
        for (VirtioMmioState s : states) {
            RecordingDevice fresh = new RecordingDevice();
            assertEquals(s, restore(s, fresh).state());
            assertEquals(0, fresh.activations);
        }
        // The nonsense queue is refused at DRIVER_OK, as it would have been without the snapshot.
        driver.driverOk();
        assertEquals(VIRTIO_CONFIG_S_NEEDS_RESET, driver.readReg(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
    }

    @Test
    void failedActivationDisabledAndBrokenQueuesRoundTrip() {
        // DRIVER_OK refused: NEEDS_RESET without activation.
        assertTrue(driver.negotiate(FEATURES));
        driver.configureQueue(0, 16, 0x1008, 0x2000, 0x3000); // misaligned descriptor table
        driver.driverOk();
        VirtioMmioState failed = transport.state();
        assertFalse(failed.activated());
        assertEquals(failed, restore(failed, new RecordingDevice()).state());

        // A live queue disabled by QueueReady 0, and a live queue broken by a bad avail idx.
        tearDown(); // a fresh VM for the second part
        setUp();
        VirtioTestDriver.DriverQueue[] qs = busyDevice(false, 2);
        driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, 1);
        driver.writeReg(VIRTIO_MMIO_QUEUE_READY, 0);
        qs[0].setAvailIdx(qs[0].usedIdx() + 100);
        qs[0].notifyDevice();
        VirtioMmioState state = transport.state();
        assertTrue(state.queues().get(0).broken());
        assertTrue(state.queues().get(1).disabled());
        assertEquals(VIRTIO_CONFIG_S_NEEDS_RESET, state.status() & VIRTIO_CONFIG_S_NEEDS_RESET);
        RecordingDevice fresh = new RecordingDevice();
        VirtioMmioTransport restored = restore(state, fresh);
        assertEquals(state, restored.state());
        restored.notifyQueue(0);
        restored.notifyQueue(1);
        assertEquals(0, fresh.chains.size(), "needs reset: nothing is processed");

        // The driver's way out is a reset, which works on the restored transport.
        assertTrue(driver.negotiate(FEATURES));
        VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 16, false, false);
        driver.driverOk();
        int head = request(q);
        assertEquals(List.of(new Used(head, 8)), q.takeUsed());
    }

    /** Random driver traffic, including protocol errors: every state it reaches restores to itself. */
    @Test
    void randomDriverTrafficRoundTrips() {
        Random random = new Random(1234);
        tearDown(); // each run builds its own VM
        for (int run = 0; run < 100; run++) {
            setUp();
            boolean eventIdx = random.nextBoolean();
            VirtioTestDriver.DriverQueue q = null;
            for (int op = 0; op < 12; op++) {
                switch (random.nextInt(8)) {
                    case 0 -> driver.negotiate(FEATURES | (eventIdx ? bit(VIRTIO_RING_F_EVENT_IDX) : 0));
                    case 1 -> q = driver.setupQueue(0, 1 << random.nextInt(5), eventIdx, false);
                    case 2 -> driver.driverOk();
                    case 3 -> {
                        if (q != null && q.freeDescriptors() > 0) {
                            request(q);
                            q.takeUsed();
                        }
                    }
                    case 4 -> driver.ackInterrupt();
                    case 5 -> driver.writeReg(VIRTIO_MMIO_QUEUE_SEL, random.nextInt(3));
                    case 6 -> driver.writeReg(VIRTIO_MMIO_QUEUE_READY, 0);
                    default -> transport.notifyQueue(random.nextInt(2));
                }
                VirtioMmioState state = transport.state();
                assertEquals(state, VirtioMmioTransport.restore("test0", state, new RecordingDevice(),
                        guest.memory(), () -> { }).state(), "run " + run + " op " + op);
            }
            tearDown();
        }
        setUp();
    }

    /** Changing any number in a valid record: refused with a DeviceStateException, or restored exactly as given. */
    @Test
    void randomlyTamperedRecordsAreRefusedOrRestoredExactly() {
        busyDevice(true, 3);
        VirtioMmioState ok = transport.state();
        Random random = new Random(99);
        String[] top = {"deviceType", "deviceFeatures", "driverFeatures", "queueSel", "status", "interruptStatus",
            "configGeneration", "activated"};
        String[] queue = {"maxSize", "size", "ready", "descAddr", "availAddr", "usedAddr", "lastAvailIdx",
            "nextUsedIdx", "signalledUsedIdx", "signalledValid", "notifySuppressed", "broken", "disabled"};
        int refused = 0;
        for (int i = 0; i < 2000; i++) {
            VirtioMmioState bad;
            if (random.nextBoolean()) {
                String field = top[random.nextInt(top.length)];
                bad = with(ok, field, randomValue(random, field, ok));
            } else {
                int qi = random.nextInt(2);
                String field = queue[random.nextInt(queue.length)];
                VirtqueueState q = with(ok.queues().get(qi), field, randomValue(random, field, ok.queues().get(qi)));
                bad = withQueue(ok, qi, old -> q);
            }
            VirtioMmioState tampered = bad;
            RecordingDevice fresh = new RecordingDevice();
            try {
                VirtioMmioTransport t = VirtioMmioTransport.restore("test0", tampered, fresh, guest.memory(), () -> { });
                assertEquals(tampered, t.state());
            } catch (DeviceStateException e) {
                refused++;
                assertEquals(0, fresh.activations, "refused before activation: " + e.getMessage());
                assertTrue(e.getMessage().startsWith("test0"), e.getMessage());
            }
        }
        assertTrue(refused > 500, "most random changes are refused, " + refused);
    }

    private static Object randomValue(Random random, String field, Record r) {
        Class<?> type;
        try {
            type = r.getClass().getDeclaredMethod(field).getReturnType();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        if (type == boolean.class) {
            return random.nextBoolean();
        }
        long[] interesting = {0, 1, 2, 3, 8, 16, 17, 32, 0xffff, 0x10000, -1, MEM - 16, MEM, 0x1000, 0x2003,
            Long.MAX_VALUE, Integer.MAX_VALUE, 1L << 32};
        long v = random.nextInt(4) == 0 ? random.nextLong() : interesting[random.nextInt(interesting.length)];
        return type == int.class ? (Object) (int) v : (Object) v;
    }

    private static VirtioMmioState withQueue(VirtioMmioState s, int index, UnaryOperator<VirtqueueState> change) {
        List<VirtqueueState> qs = new ArrayList<>(s.queues());
        qs.set(index, change.apply(qs.get(index)));
        return with(s, "queues", qs);
    }

    private void assertRefused(VirtioMmioState bad, String message) {
        RecordingDevice fresh = new RecordingDevice();
        DeviceStateException e = assertThrows(DeviceStateException.class,
                () -> VirtioMmioTransport.restore("test0", bad, fresh, guest.memory(), () -> { }));
        assertEquals(message, e.getMessage());
        assertEquals(0, fresh.activations, "never a half-built device");
    }

    @Test
    void tamperedRecordsAreRefusedNamingDeviceQueueAndField() {
        busyDevice(true, 3);
        VirtioMmioState ok = transport.state();
        VirtqueueState q0 = ok.queues().get(0);

        assertRefused(withQueue(ok, 0, q -> with(q, "descAddr", MEM)),
                "test0 queue 0: desc address 0x100000 (256 bytes) is outside guest memory");
        assertRefused(withQueue(ok, 0, q -> with(q, "usedAddr", MEM - 16)),
                "test0 queue 0: used address 0xffff0 (134 bytes) is outside guest memory");
        assertRefused(withQueue(ok, 0, q -> with(q, "availAddr", q0.availAddr() + 1)),
                "test0 queue 0: avail address 0x" + Long.toHexString(q0.availAddr() + 1) + " is not 2-byte aligned");
        assertRefused(withQueue(ok, 0, q -> with(q, "size", 12)),
                "test0 queue 0: size 12 is not a power of two in [1, 16]");
        assertRefused(withQueue(ok, 0, q -> with(q, "size", 32)),
                "test0 queue 0: size 32 is not a power of two in [1, 16]");
        assertRefused(withQueue(ok, 1, q -> with(q, "maxSize", 128)),
                "test0 queue 1: maxSize 128 in the record, the device has 64");
        assertRefused(withQueue(ok, 0, q -> with(q, "lastAvailIdx", 0x10000)),
                "test0 queue 0: lastAvailIdx 65536 is not a 16-bit index");
        assertRefused(withQueue(ok, 0, q -> with(q, "nextUsedIdx", -1)),
                "test0 queue 0: nextUsedIdx -1 is not a 16-bit index");
        assertRefused(withQueue(ok, 0, q -> with(q, "lastAvailIdx", 20)),
                "test0 queue 0: lastAvailIdx 20 is 17 chains past nextUsedIdx 3, more than the queue size 16");
        assertRefused(withQueue(ok, 0, q -> with(q, "disabled", true)),
                "test0 queue 0: disabled, but ready");
        assertRefused(withQueue(ok, 0, q -> with(q, "notifySuppressed", true)),
                "test0 queue 0: notifySuppressed is set, but EVENT_IDX is in use");
        assertRefused(with(ok, "queues", List.of(q0)), "test0: the record has 1 queues, the device 2");
        assertRefused(with(ok, "queues", null), "test0: queues are missing");
        assertRefused(with(ok, "status", 0x10 | ok.status()), "test0: status 0x1f is not a state of the virtio status machine");
        assertRefused(with(ok, "status", VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_FEATURES_OK),
                "test0: status 0x9 is not a state of the virtio status machine");
        assertRefused(with(ok, "interruptStatus", 4), "test0: interruptStatus 0x4 has bits other than VRING and CONFIG");
        assertRefused(with(ok, "deviceType", 2), "test0: the record is for device type 2, the device given has type 42");
        assertRefused(with(ok, "deviceFeatures", FEATURES), // EVENT_IDX missing
                "test0: deviceFeatures 0x110000008 in the record, the device given offers 0x130000008"
                        + " (was it configured differently, e.g. read-only?)");
        assertRefused(with(ok, "driverFeatures", ok.driverFeatures() | bit(40)),
                "test0: driverFeatures 0x10130000008 accepted but not a subset of the offered 0x130000008"
                        + " with VIRTIO_F_VERSION_1");
        assertRefused(with(ok, "queueSel", -1), "test0: queueSel -1 is negative");
        assertRefused(with(ok, "activated", false), "test0: DRIVER_OK without NEEDS_RESET but not activated");

        VirtioMmioState fresh = new VirtioMmioTransport("test0", new RecordingDevice(), guest.memory(), () -> { }).state();
        assertRefused(with(fresh, "activated", true), "test0: activated without DRIVER_OK in status 0x0");
        assertRefused(with(fresh, "driverFeatures", 1L), "test0: driverFeatures 0x1 set before the driver set DRIVER");
        assertRefused(withQueue(fresh, 1, q -> with(q, "nextUsedIdx", 3)),
                "test0 queue 1: ring progress recorded for a queue that is not live");
        assertRefused(withQueue(fresh, 1, q -> with(q, "disabled", true)), "test0 queue 1: disabled, but never live");
    }

    @Test
    void withoutEventIdxTheSuppressionFlagRoundTripsAndSignalledStateIsRefused() {
        VirtioTestDriver.DriverQueue[] qs = busyDevice(false, 1);
        qs[0].add(List.of(new Buf(driver.alloc(8, 8), 8, true)));
        // No kick: the device has not seen it. Its notify flag is whatever the last pop left.
        VirtioMmioState ok = transport.state();
        assertEquals(ok, restore(ok, new RecordingDevice()).state());
        assertRefused(withQueue(ok, 0, q -> with(q, "signalledValid", true)),
                "test0 queue 0: EVENT_IDX state recorded but VIRTIO_RING_F_EVENT_IDX not acked");
        // The chain added before the snapshot is found by the notification the machine sends after resume.
        RecordingDevice fresh = new RecordingDevice();
        VirtioMmioTransport restored = restore(ok, fresh);
        restored.notifyQueue(0);
        assertEquals(1, fresh.chains.size());
        assertEquals(2, guest.memory().readU16(new GuestAddress(qs[0].used + 2)));
    }
}
