package io.jvmm.devices.virtio.rng;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.devices.virtio.GuardedGuestMemory;
import io.jvmm.devices.virtio.VirtioCounters.Counter;
import io.jvmm.devices.virtio.VirtioMmio;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.VirtioTestDriver;
import io.jvmm.devices.virtio.VirtioTestDriver.Buf;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioRngTest {

    @Test
    void fillsWritableBuffersFromTheSource() {
        try (GuardedGuestMemory guest = new GuardedGuestMemory(0, 1 << 20)) {
            VirtioRng rng = new VirtioRng(new Random(42));
            AtomicInteger irqs = new AtomicInteger();
            VirtioMmioTransport t = new VirtioMmioTransport("rng", rng, guest.memory(), irqs::incrementAndGet);
            VirtioTestDriver driver = new VirtioTestDriver(t, guest.memory(), irqs, 0x1000);
            assertEquals(4, driver.readReg(VirtioMmio.VIRTIO_MMIO_DEVICE_ID));
            assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1)));
            VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 64, false, false);
            driver.driverOk();

            long a = driver.alloc(16, 8);
            long b = driver.alloc(48, 8);
            long big = driver.alloc(VirtioRng.MAX_BYTES_PER_REQUEST + 100, 8);
            int h1 = q.add(List.of(new Buf(a, 16, true), new Buf(b, 48, true)));
            int h2 = q.add(List.of(new Buf(big, VirtioRng.MAX_BYTES_PER_REQUEST + 100, true)));
            q.notifyDevice();
            assertEquals(List.of(new VirtioTestDriver.Used(h1, 64),
                    new VirtioTestDriver.Used(h2, VirtioRng.MAX_BYTES_PER_REQUEST)), q.takeUsed());

            byte[] expected = new byte[64];
            new Random(42).nextBytes(expected);
            byte[] got = new byte[64];
            guest.memory().read(new GuestAddress(a), got, 0, 16);
            guest.memory().read(new GuestAddress(b), got, 16, 48);
            assertArrayEquals(expected, got);
            assertEquals(0, guest.memory().readU8(new GuestAddress(big + VirtioRng.MAX_BYTES_PER_REQUEST)),
                    "nothing past the per-request cap");
            assertEquals(1, irqs.get());
            assertTrue(guest.guardsIntact());
            assertEquals(0, rng.counters().get(Counter.UNCHECKED_MEMORY_FAULT));
        }
    }

    @Test
    void defaultSourceIsSecureRandom() {
        try (GuardedGuestMemory guest = new GuardedGuestMemory(0, 1 << 20)) {
            VirtioRng rng = new VirtioRng();
            AtomicInteger irqs = new AtomicInteger();
            VirtioMmioTransport t = new VirtioMmioTransport("rng", rng, guest.memory(), irqs::incrementAndGet);
            VirtioTestDriver driver = new VirtioTestDriver(t, guest.memory(), irqs, 0x1000);
            assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1)));
            VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 8, false, false);
            driver.driverOk();
            long a = driver.alloc(4096, 8);
            q.add(List.of(new Buf(a, 4096, true)));
            q.notifyDevice();
            assertEquals(4096, q.takeUsed().get(0).len());
            byte[] got = new byte[4096];
            guest.memory().read(new GuestAddress(a), got, 0, got.length);
            int zeros = 0;
            for (byte x : got) {
                zeros += x == 0 ? 1 : 0;
            }
            assertTrue(zeros < 100, "4096 random bytes have about 16 zeros, not " + zeros);
        }
    }
}
