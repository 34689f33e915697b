package io.jvmm.devices.virtio.rng;

import io.jvmm.devices.virtio.GuardedGuestMemory;
import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.VirtioTestDriver;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioRngStateTest {

    @Test
    void restoredQueueCarriesOn() {
        try (GuardedGuestMemory guest = new GuardedGuestMemory(0, 1 << 20)) {
            VirtioRng rng = new VirtioRng(new Random(1));
            AtomicInteger irqs = new AtomicInteger();
            VirtioMmioTransport t = new VirtioMmioTransport("virtio-rng0", rng, guest.memory(), irqs::incrementAndGet);
            VirtioTestDriver driver = new VirtioTestDriver(t, guest.memory(), irqs, 0x1000);
            assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1)));
            VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 8, false, false);
            driver.driverOk();
            for (int i = 0; i < 10; i++) { // wraps the 8-entry ring
                q.add(List.of(new Buf(driver.alloc(16, 8), 16, true)));
                q.notifyDevice();
                assertEquals(1, q.takeUsed().size());
            }
            VirtioRngState state = rng.state();
            VirtioMmioState busState = t.state();
            VirtioRng restoredRng = VirtioRng.restore(state);
            VirtioMmioTransport restored = VirtioMmioTransport.restore("virtio-rng0", busState, restoredRng,
                    guest.memory(), irqs::incrementAndGet);
            assertEquals(busState, restored.state());
            assertEquals(state, restoredRng.state());
            driver.reconnect(restored);
            int head = q.add(List.of(new Buf(driver.alloc(32, 8), 32, true)));
            q.notifyDevice();
            assertEquals(List.of(new VirtioTestDriver.Used(head, 32)), q.takeUsed());
            assertEquals(11, q.usedIdx());
            assertTrue(guest.guardsIntact());
        }
    }
}
