package io.jvmm.devices.virtio.net;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.GuardedGuestMemory;
import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.VirtioTestDriver;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.net.VirtioNet.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-net snapshot: MAC, offloads and a frame waiting for a guest buffer survive; both queues carry on. */
class VirtioNetStateTest {
    private static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};

    private GuardedGuestMemory guest;
    private GuestMemory mem;
    private InMemoryNetBackend backend;
    private VirtioNet net;
    private VirtioMmioTransport transport;
    private VirtioTestDriver driver;
    private VirtioTestDriver.DriverQueue rx;
    private VirtioTestDriver.DriverQueue tx;

    private void start(boolean vnetHeader, boolean offloads) {
        guest = new GuardedGuestMemory(0, 4 << 20);
        mem = guest.memory();
        backend = new InMemoryNetBackend(vnetHeader);
        net = new VirtioNet(backend, MAC, offloads);
        AtomicInteger irqs = new AtomicInteger();
        transport = new VirtioMmioTransport("virtio-net0", net, mem, irqs::incrementAndGet);
        driver = new VirtioTestDriver(transport, mem, irqs, 0x1000);
        assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_NET_F_MAC) | bit(VIRTIO_RING_F_EVENT_IDX)
                | (offloads ? bit(VIRTIO_NET_F_GUEST_CSUM) : 0)));
        rx = driver.setupQueue(RX_QUEUE, QUEUE_SIZE, true, false);
        tx = driver.setupQueue(TX_QUEUE, QUEUE_SIZE, true, false);
        driver.driverOk();
    }

    @AfterEach
    void tearDown() {
        assertTrue(guest.guardsIntact());
        guest.close();
    }

    private static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    @Test
    void rxStalledFrameSurvivesAndIsDeliveredToTheFirstBufferAfterRestore() {
        start(false, false);
        long b1 = driver.alloc(1526, 8);
        rx.add(List.of(new Buf(b1, 1526, true)));
        rx.kick();
        backend.inject(frame(60, 1));
        backend.inject(frame(70, 2)); // no buffer left for this one: the device stalls holding it
        transport.backendReady();
        assertEquals(1, rx.takeUsed().size());
        assertTrue(net.isRxStalled());

        VirtioNetState state = net.state();
        VirtioMmioState busState = transport.state();
        assertEquals("52:54:00:12:34:56", state.mac());
        assertArrayEquals(frame(70, 2), state.rxPendingFrame());

        InMemoryNetBackend tap = new InMemoryNetBackend(false); // the machine opens the TAP again
        VirtioNet restoredNet = VirtioNet.restore("virtio-net0", state, tap);
        VirtioMmioTransport restored = VirtioMmioTransport.restore("virtio-net0", busState, restoredNet, mem, () -> { });
        assertEquals(state, restoredNet.state());
        assertEquals(busState, restored.state());
        assertTrue(restoredNet.isRxStalled());
        assertFalse(restored.backendInputWanted(), "stalled: the I/O thread waits for a receive buffer");
        driver.reconnect(restored);

        long b2 = driver.alloc(1526, 8);
        rx.add(List.of(new Buf(b2, 1526, true)));
        rx.notifyDevice();
        List<VirtioTestDriver.Used> used = rx.takeUsed();
        assertEquals(1, used.size());
        assertEquals(VIRTIO_NET_HDR_SIZE + 70, used.get(0).len());
        assertEquals(2, rx.usedIdx());
        byte[] got = new byte[70];
        mem.read(new GuestAddress(b2 + VIRTIO_NET_HDR_SIZE), got, 0, 70);
        assertArrayEquals(frame(70, 2), got);
        assertFalse(restoredNet.isRxStalled());
        assertTrue(restored.backendInputWanted());

        long t = driver.alloc(VIRTIO_NET_HDR_SIZE + 60, 8);
        mem.write(new GuestAddress(t + VIRTIO_NET_HDR_SIZE), frame(60, 3));
        tx.add(List.of(new Buf(t, VIRTIO_NET_HDR_SIZE + 60, false)));
        tx.notifyDevice();
        assertEquals(1, tx.takeUsed().size());
        assertArrayEquals(frame(60, 3), tap.takeSent().get(0));
        assertEquals("52:54:00:12:34:56", restoredNet.state().mac());
        assertArrayEquals(new byte[0], restoredNet.state().rxPendingFrame());
    }

    @Test
    void offloadsRoundTripAndAreSetOnTheNewBackEnd() {
        start(true, true);
        VirtioNetState state = net.state();
        assertEquals(new VirtioNetState("52:54:00:12:34:56", true, true, new byte[0]), state);
        InMemoryNetBackend tap = new InMemoryNetBackend(true);
        VirtioNet restoredNet = VirtioNet.restore("virtio-net0", state, tap);
        VirtioMmioTransport.restore("virtio-net0", transport.state(), restoredNet, mem, () -> { });
        assertEquals(state, restoredNet.state());
        assertEquals(bit(VIRTIO_NET_F_GUEST_CSUM), tap.offloads(), "activation tells the new TAP its offloads");
    }

    private static void assertRefused(VirtioNetState bad, NetBackend backend, String message) {
        assertEquals(message, assertThrows(DeviceStateException.class,
                () -> VirtioNet.restore("virtio-net0", bad, backend)).getMessage());
    }

    @Test
    void tamperedRecordsAreRefused() {
        start(false, false);
        VirtioNetState ok = net.state();
        InMemoryNetBackend plain = new InMemoryNetBackend(false);
        assertRefused(with(ok, "mac", "52:54:00:12:34"), plain,
                "virtio-net0: mac: bad MAC address '52:54:00:12:34': expected 6 hex bytes like 52:54:00:12:34:56");
        assertRefused(with(ok, "mac", "01:00:5e:00:00:01"), plain,
                "virtio-net0: mac: bad MAC address '01:00:5e:00:00:01': a multicast address cannot be a NIC's");
        assertRefused(with(ok, "mac", null), plain, "virtio-net0: mac is missing");
        assertRefused(ok, new InMemoryNetBackend(true),
                "virtio-net0: vnetHeader is false in the record, but the back end given passes vnet headers");
        assertRefused(with(ok, "offloads", true), plain, "virtio-net0: offloads need a back end with a vnet header");
        assertRefused(with(ok, "rxPendingFrame", new byte[13]), plain,
                "virtio-net0: rxPendingFrame of 13 bytes is not a frame (14 to 65550 bytes)");
        assertRefused(with(ok, "rxPendingFrame", new byte[MAX_FRAME_SIZE + 1]), plain,
                "virtio-net0: rxPendingFrame of 65551 bytes is not a frame (14 to 65550 bytes)");
        assertRefused(with(ok, "rxPendingFrame", null), plain, "virtio-net0: rxPendingFrame is missing");
        byte[] frame = frame(64, 0);
        assertTrue(Arrays.equals(frame, VirtioNet.restore("n", with(ok, "rxPendingFrame", frame), plain)
                .state().rxPendingFrame()));
    }
}
