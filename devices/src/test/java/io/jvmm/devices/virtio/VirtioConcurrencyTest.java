package io.jvmm.devices.virtio;

import io.jvmm.devices.virtio.net.InMemoryNetBackend;
import io.jvmm.devices.virtio.net.VirtioNet;
import io.jvmm.devices.virtio.rng.VirtioRng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
                        if (backend.pendingToGuest() < 4) {
                            backend.inject(new byte[60]);
                        }
                        transport.backendReady();
                    }
                } catch (Throwable e) {
                    ioFailure.set(e);
                }
            });
            long delivered = 0;
            try {
                for (int round = 0; round < 200; round++) {
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
                    // Wait for the I/O thread to deliver a frame, then reset under its feet.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    long before = delivered;
                    while (delivered == before) {
                        delivered += rx.takeUsed().size();
                        Thread.onSpinWait();
                        assertTrue(System.nanoTime() < deadline, "round " + round + ": no frame delivered");
                    }
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

    /**
     * Notification suppression under real concurrency: the driver kicks only when the device asked for
     * it (VIRTQ_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX) while the I/O thread processes. A lost
     * wake-up would leave buffers available that nobody looks at: the test would hang and time out.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @Timeout(60)
    void suppressedNotificationsLoseNoBuffers(boolean eventIdx) throws Exception {
        try (GuardedGuestMemory guest = new GuardedGuestMemory(true, 0, 1 << 20)) {
            VirtioRng rng = new VirtioRng(new java.util.Random(1));
            AtomicInteger irqs = new AtomicInteger();
            VirtioMmioTransport transport = new VirtioMmioTransport("rng", rng, guest.memory(), irqs::incrementAndGet);
            BlockingQueue<Integer> doorbell = new LinkedBlockingQueue<>();
            transport.setQueueNotifyHandler(doorbell::add);
            AtomicBoolean stop = new AtomicBoolean();
            Thread io = Thread.ofPlatform().name("vmm-io-test").start(() -> {
                try {
                    while (!stop.get()) {
                        Integer q = doorbell.poll(5, TimeUnit.MILLISECONDS);
                        if (q != null) {
                            transport.notifyQueue(q);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                VirtioTestDriver driver = new VirtioTestDriver(transport, guest.memory(), irqs, 0x1000);
                assertTrue(driver.negotiate(bit(VIRTIO_F_VERSION_1) | (eventIdx ? bit(VIRTIO_RING_F_EVENT_IDX) : 0)));
                VirtioTestDriver.DriverQueue q = driver.setupQueue(0, 16, eventIdx, false);
                driver.driverOk();
                long buf = driver.alloc(64, 8);
                // Batches of 1..16 buffers, each waited for before the next: a buffer whose
                // notification was wrongly suppressed is never completed and the wait never ends.
                java.util.Random random = new java.util.Random(7);
                int total = 20_000;
                int completed = 0;
                int kicks = 0;
                while (completed < total) {
                    int batch = Math.min(total - completed, 1 + random.nextInt(16));
                    for (int i = 0; i < batch; i++) {
                        q.add(List.of(new VirtioTestDriver.Buf(buf, 64, true)));
                        if (random.nextInt(4) == 0 && q.kick()) {
                            kicks++;
                        }
                    }
                    if (q.kick()) {
                        kicks++;
                    }
                    int done = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (done < batch) {
                        done += q.takeUsed().size();
                        Thread.onSpinWait();
                        if (System.nanoTime() > deadline) {
                            fail("buffers " + (completed + done) + ".." + (completed + batch)
                                    + " never completed: a notification was lost");
                        }
                    }
                    completed += done;
                }
                assertEquals(total, completed);
                assertEquals(total, rng.counters().get(VirtioCounters.Counter.USED_BUFFERS));
                assertTrue(kicks < total, "suppression saved some notifications: " + kicks);
            } finally {
                stop.set(true);
                io.join();
            }
        }
    }
}
