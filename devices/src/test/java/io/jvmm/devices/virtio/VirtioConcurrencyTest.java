package io.jvmm.devices.virtio;

import io.jvmm.devices.virtio.net.InMemoryNetBackend;
import io.jvmm.devices.virtio.net.VirtioNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The threading model: a vCPU thread drives registers (handshakes, queue setup, resets) while an I/O
 * thread processes the queues and back-end input, as the assembly runs them. Nothing may throw or
 * deadlock (the timeout), no device error may be counted, and frames must get through.
 */
class VirtioConcurrencyTest {

    @Test
    @Timeout(60)
    void ioThreadProcessesWhileTheVcpuResets() throws Exception {
        try (GuardedGuestMemory guest = new GuardedGuestMemory(true, 0, 4 << 20)) {
            InMemoryNetBackend backend = new InMemoryNetBackend();
            VirtioNet net = new VirtioNet(backend, null, false);
            AtomicInteger irqs = new AtomicInteger();
            VirtioMmioTransport transport = new VirtioMmioTransport("net", net, guest.memory(), irqs::incrementAndGet);
            // QueueNotify writes go to the I/O thread, as with an ioeventfd.
            AtomicInteger pendingNotify = new AtomicInteger(-1);
            transport.setQueueNotifyHandler(pendingNotify::set);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> ioFailure = new AtomicReference<>();
            Thread io = Thread.ofPlatform().name("vmm-io-test").start(() -> {
                try {
                    while (!stop.get()) {
                        int q = pendingNotify.getAndSet(-1);
                        if (q >= 0) {
                            transport.notifyQueue(q);
                        }
                        backend.inject(new byte[60]);
                        transport.backendReady();
                    }
                } catch (Throwable e) {
                    ioFailure.set(e);
                }
            });
            long delivered = 0;
            try {
                for (int round = 0; round < 300; round++) {
                    VirtioTestDriver driver = new VirtioTestDriver(transport, guest.memory(), irqs, 0x1000);
                    assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_EVENT_IDX)));
                    VirtioTestDriver.DriverQueue rx = driver.setupQueue(0, 64, true, false);
                    VirtioTestDriver.DriverQueue tx = driver.setupQueue(1, 64, true, false);
                    driver.driverOk();
                    for (int i = 0; i < 32; i++) {
                        rx.add(List.of(new VirtioTestDriver.Buf(driver.alloc(1526, 8), 1526, true)));
                    }
                    rx.kick();
                    tx.add(List.of(new VirtioTestDriver.Buf(driver.alloc(80, 8), 80, false)));
                    tx.kick();
                    Thread.onSpinWait();
                    delivered += rx.takeUsed().size();
                    driver.ackInterrupt();
                    assertEquals(0, transport.deviceStatus() & VIRTIO_CONFIG_S_NEEDS_RESET, "round " + round + " " + net.counters());
                    driver.writeReg(VirtioMmio.VIRTIO_MMIO_STATUS, 0); // reset while the I/O thread runs
                }
            } finally {
                stop.set(true);
                io.join();
            }
            assertNull(ioFailure.get());
            assertTrue(guest.guardsIntact());
            assertEquals(0, net.counters().get(VirtioCounters.Counter.INTERNAL_ERROR));
            assertEquals(0, net.counters().get(VirtioCounters.Counter.UNCHECKED_MEMORY_FAULT));
            assertTrue(delivered > 0, "the I/O thread delivered frames");
        }
    }
}
