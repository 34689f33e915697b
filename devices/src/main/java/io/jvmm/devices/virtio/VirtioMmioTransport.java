package io.jvmm.devices.virtio;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.TRANSPORT_FEATURES;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_ACKNOWLEDGE;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_DRIVER;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_DRIVER_OK;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_FAILED;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_FEATURES_OK;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_CONFIG_S_NEEDS_RESET;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_F_VERSION_1;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_RING_F_EVENT_IDX;
import static io.jvmm.devices.virtio.VirtioConfig.VIRTIO_RING_F_INDIRECT_DESC;
import static io.jvmm.devices.virtio.VirtioConfig.has;
import static io.jvmm.devices.virtio.VirtioMmio.*;

/**
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2): the 4 KiB register window of one
 * {@link VirtioDevice} on the MMIO bus. It knows nothing of the device behind it.
 *
 * <p>Threads and locks. Registers are accessed by vCPU threads under this object's monitor (the
 * register lock). Queues are processed under a separate processing lock, normally on the assembly's
 * I/O thread ({@link #notifyQueue}, {@link #backendReady}); activation (DRIVER_OK) and reset take the
 * processing lock from under the register lock, and processing never takes the register lock, so the
 * two cannot deadlock. Status and InterruptStatus are atomics because processing sets bits in them.
 */
public final class VirtioMmioTransport implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioMmioTransport.class);

    /** Register state of one queue, written by the driver before QueueReady (section 4.2.3.2). */
    private static final class QueueConfig {
        final int maxSize;
        int size;
        boolean ready;
        long desc;
        long avail;
        long used;

        QueueConfig(int maxSize) {
            this.maxSize = maxSize;
            this.size = maxSize;
        }
    }

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final InterruptLine interruptLine;
    private final VirtioCounters counters;
    private final long offeredFeatures;
    private final Object processingLock = new Object();
    private final VirtioInterrupt interrupt = new Interrupt();
    private volatile QueueNotifyHandler notifyHandler = this::notifyQueue;

    // Register state, guarded by "this".
    private final QueueConfig[] queueConfigs;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int shmSel;

    // Shared between the register and processing sides.
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();

    // Processing state, guarded by processingLock.
    private List<Virtqueue> queues; // null while not activated

    /**
     * @param name          for log lines ("virtio-blk0")
     * @param device        the device behind the registers
     * @param memory        guest memory the queues live in
     * @param interruptLine the device's interrupt (an irqfd on the device's GSI)
     */
    public VirtioMmioTransport(String name, VirtioDevice device, GuestMemory memory, InterruptLine interruptLine) {
        this.name = Objects.requireNonNull(name);
        this.device = Objects.requireNonNull(device);
        this.memory = Objects.requireNonNull(memory);
        this.interruptLine = Objects.requireNonNull(interruptLine);
        this.counters = device.counters();
        this.offeredFeatures = device.deviceFeatures() | TRANSPORT_FEATURES;
        this.queueConfigs = new QueueConfig[device.queueCount()];
        for (int i = 0; i < queueConfigs.length; i++) {
            queueConfigs[i] = new QueueConfig(device.queueMaxSize(i));
        }
    }

    /**
     * The transport's registers and queues, for a snapshot; the device behind it hands out its own record.
     * Counters are metrics, not guest state, and are not in it.
     *
     * <p>Precondition: the transport is quiescent — the machine has paused the vCPUs (no register access)
     * and the I/O thread (no queue processing). Both locks are taken all the same, in the order
     * activation takes them.
     */
    public VirtioMmioState state() {
        synchronized (this) {
            synchronized (processingLock) {
                List<VirtqueueState> qs = new ArrayList<>(queueConfigs.length);
                for (int i = 0; i < queueConfigs.length; i++) {
                    QueueConfig c = queueConfigs[i];
                    Virtqueue live = queues == null ? null : queues.get(i);
                    // A live queue's registers cannot change after DRIVER_OK: the queue holds the same values.
                    qs.add(live != null ? live.state(c.maxSize, c.ready)
                            : VirtqueueState.registersOnly(c.maxSize, c.size, c.ready, c.desc, c.avail, c.used));
                }
                return new VirtioMmioState(device.deviceType(), offeredFeatures, driverFeatures, deviceFeaturesSel,
                        driverFeaturesSel, queueSel, shmSel, status.get(), interruptStatus.get(),
                        configGeneration.get(), queues != null, qs);
            }
        }
    }

    /**
     * A transport in the state a snapshot recorded, driving {@code device} — a device fresh from its own
     * restore factory (or constructor), not yet activated. When the record says the device was activated,
     * its queues are rebuilt with their ring progress and the device is activated with them, as at
     * DRIVER_OK; no interrupt is sent (one pending at the snapshot was delivered, and the interrupt
     * controller's state is restored with the VM's).
     *
     * <p>The record is untrusted: it is checked against the device and guest memory as a driver's writes
     * would be ({@link VirtioMmioState}), and a failure throws {@link io.jvmm.devices.DeviceStateException}
     * naming the device, queue and field before anything is built or activated.
     *
     * <p>A queue notification the guest sent just before the pause (an ioeventfd signalled but not yet
     * served) is not in any record: after resuming, the machine should call {@link #notifyQueue} once for
     * each queue, which finds any chains made available meanwhile and is harmless otherwise.
     *
     * @param name          as for the constructor; names the device in errors
     * @param memory        guest memory, the same layout as when the state was taken
     * @param interruptLine the device's interrupt
     */
    public static VirtioMmioTransport restore(String name, VirtioMmioState state, VirtioDevice device,
                                              GuestMemory memory, InterruptLine interruptLine) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state").validate(name, device, memory);
        VirtioMmioTransport t = new VirtioMmioTransport(name, device, memory, interruptLine);
        synchronized (t) {
            for (int i = 0; i < t.queueConfigs.length; i++) {
                VirtqueueState q = state.queues().get(i);
                QueueConfig c = t.queueConfigs[i];
                c.size = q.size();
                c.ready = q.ready();
                c.desc = q.descAddr();
                c.avail = q.availAddr();
                c.used = q.usedAddr();
            }
            t.deviceFeaturesSel = state.deviceFeaturesSel();
            t.driverFeaturesSel = state.driverFeaturesSel();
            t.driverFeatures = state.driverFeatures();
            t.queueSel = state.queueSel();
            t.shmSel = state.shmSel();
            t.status.set(state.status());
            t.interruptStatus.set(state.interruptStatus());
            t.configGeneration.set(state.configGeneration());
            if (state.activated()) {
                t.activateRestored(state);
            }
        }
        return t;
    }

    /** The activation of a restored transport: queues as the record has them, no layout check failing. */
    private void activateRestored(VirtioMmioState state) {
        synchronized (processingLock) {
            List<Virtqueue> built = new ArrayList<>(queueConfigs.length);
            for (int i = 0; i < queueConfigs.length; i++) {
                VirtqueueState q = state.queues().get(i);
                if (!state.isLive(q)) {
                    built.add(null);
                    continue;
                }
                Virtqueue vq = new Virtqueue(i, memory, q.size(), new GuestAddress(q.descAddr()),
                        new GuestAddress(q.availAddr()), new GuestAddress(q.usedAddr()),
                        has(driverFeatures, VIRTIO_RING_F_EVENT_IDX), has(driverFeatures, VIRTIO_RING_F_INDIRECT_DESC),
                        counters);
                vq.restoreProgress(q);
                built.add(vq);
            }
            List<Virtqueue> view = java.util.Collections.unmodifiableList(built);
            device.activate(driverFeatures, view, memory, interrupt);
            queues = view;
        }
    }

    /** Where QueueNotify writes that reach the bus go; the default processes the queue inline. */
    public void setQueueNotifyHandler(QueueNotifyHandler handler) {
        this.notifyHandler = Objects.requireNonNull(handler);
    }

    public VirtioDevice device() {
        return device;
    }

    /** The name given at construction ("virtio-blk0"). */
    public String name() {
        return name;
    }

    public int queueCount() {
        return queueConfigs.length;
    }

    /** The device's error and drop counters. */
    public VirtioCounters counters() {
        return counters;
    }

    /** The Status register as the driver reads it. */
    public int deviceStatus() {
        return status.get();
    }

    /**
     * Processes queue {@code index}: the I/O thread calls this when the queue's ioeventfd fires (a
     * QueueNotify write with that index). Ignored until DRIVER_OK, after DEVICE_NEEDS_RESET, and for
     * a queue index the device does not have or the driver did not make ready.
     */
    public void notifyQueue(int index) {
        synchronized (processingLock) {
            if (queues == null || (status.get() & VIRTIO_CONFIG_S_NEEDS_RESET) != 0
                    || index < 0 || index >= queues.size() || queues.get(index) == null) {
                return;
            }
            try {
                device.queueNotified(index);
            } catch (GuestMemoryException e) {
                interrupt.setDeviceNeedsReset(VirtioCounters.Counter.UNCHECKED_MEMORY_FAULT, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{}: device failed processing queue {}", name, index, e);
                interrupt.setDeviceNeedsReset(VirtioCounters.Counter.INTERNAL_ERROR, e.toString());
            }
        }
    }

    /**
     * Whether the I/O thread should poll the device's back end for input: the device is live (DRIVER_OK,
     * not NEEDS_RESET) and says it can take input ({@link VirtioDevice#wantsBackendInput()}). When false,
     * the next queue notification from the guest wakes the I/O thread to ask again.
     */
    public boolean backendInputWanted() {
        return (status.get() & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET)) == VIRTIO_CONFIG_S_DRIVER_OK
                && device.wantsBackendInput();
    }

    /** The device's back end has input (a TAP became readable): called by the I/O thread. */
    public void backendReady() {
        synchronized (processingLock) {
            if (queues == null || (status.get() & VIRTIO_CONFIG_S_NEEDS_RESET) != 0) {
                return;
            }
            try {
                device.backendReady();
            } catch (GuestMemoryException e) {
                interrupt.setDeviceNeedsReset(VirtioCounters.Counter.UNCHECKED_MEMORY_FAULT, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{}: device failed processing back-end input", name, e);
                interrupt.setDeviceNeedsReset(VirtioCounters.Counter.INTERNAL_ERROR, e.toString());
            }
        }
    }

    @Override
    public void read(long offset, byte[] data) {
        if (offset >= VIRTIO_MMIO_CONFIG && offset < VIRTIO_MMIO_SIZE) {
            synchronized (this) {
                device.readConfig(offset - VIRTIO_MMIO_CONFIG, data);
            }
            return;
        }
        if (data.length != 4 || (offset & 3) != 0) {
            // Section 4.2.2.2: control registers are 32-bit wide and aligned only.
            counters.increment(VirtioCounters.Counter.INVALID_REGISTER_ACCESS);
            Arrays.fill(data, (byte) 0xff);
            return;
        }
        int value = readRegister((int) offset);
        data[0] = (byte) value;
        data[1] = (byte) (value >>> 8);
        data[2] = (byte) (value >>> 16);
        data[3] = (byte) (value >>> 24);
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset >= VIRTIO_MMIO_CONFIG && offset < VIRTIO_MMIO_SIZE) {
            synchronized (this) {
                device.writeConfig(offset - VIRTIO_MMIO_CONFIG, data);
            }
            return;
        }
        if (data.length != 4 || (offset & 3) != 0) {
            counters.increment(VirtioCounters.Counter.INVALID_REGISTER_ACCESS);
            return;
        }
        int value = (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
        if (offset == VIRTIO_MMIO_QUEUE_NOTIFY) {
            // Outside the register lock: processing may be long and takes its own lock. Before
            // DRIVER_OK notifyQueue ignores it.
            notifyHandler.queueNotified(value);
            return;
        }
        synchronized (this) {
            writeRegister((int) offset, value);
        }
    }

    /** For exit traces: the register's name and meaning ({@link VirtioMmio#describe}). */
    @Override
    public Register describe(long offset, boolean write, byte[] data) {
        return VirtioMmio.describe(offset, write, data);
    }

    private synchronized int readRegister(int offset) {
        QueueConfig q = queueSel < queueConfigs.length ? queueConfigs[queueSel] : null;
        return switch (offset) {
            case VIRTIO_MMIO_MAGIC_VALUE -> VIRTIO_MMIO_MAGIC_VALUE_LE;
            case VIRTIO_MMIO_VERSION -> VIRTIO_MMIO_VERSION_2;
            case VIRTIO_MMIO_DEVICE_ID -> device.deviceType();
            case VIRTIO_MMIO_VENDOR_ID -> JVMM_VENDOR_ID;
            case VIRTIO_MMIO_DEVICE_FEATURES -> switch (deviceFeaturesSel) {
                case 0 -> (int) offeredFeatures;
                case 1 -> (int) (offeredFeatures >>> 32);
                default -> 0;
            };
            // A queue that does not exist reads QueueNumMax 0 (section 4.2.2).
            case VIRTIO_MMIO_QUEUE_NUM_MAX -> q == null ? 0 : q.maxSize;
            case VIRTIO_MMIO_QUEUE_READY -> q != null && q.ready ? 1 : 0;
            case VIRTIO_MMIO_INTERRUPT_STATUS -> interruptStatus.get();
            case VIRTIO_MMIO_STATUS -> status.get();
            // No shared memory regions: a length of -1 says "no such region" (section 4.2.2).
            case VIRTIO_MMIO_SHM_LEN_LOW, VIRTIO_MMIO_SHM_LEN_HIGH, VIRTIO_MMIO_SHM_BASE_LOW,
                 VIRTIO_MMIO_SHM_BASE_HIGH -> -1;
            case VIRTIO_MMIO_QUEUE_RESET -> 0;
            case VIRTIO_MMIO_CONFIG_GENERATION -> configGeneration.get();
            default -> {
                counters.increment(VirtioCounters.Counter.INVALID_REGISTER_ACCESS);
                yield 0;
            }
        };
    }

    private void writeRegister(int offset, int value) {
        QueueConfig q = queueSel < queueConfigs.length ? queueConfigs[queueSel] : null;
        int st = status.get();
        // Queue registers may change only while the queue is not ready and the device not live.
        boolean queueWritable = q != null && !q.ready && (st & VIRTIO_CONFIG_S_DRIVER_OK) == 0;
        switch (offset) {
            case VIRTIO_MMIO_DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case VIRTIO_MMIO_DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case VIRTIO_MMIO_DRIVER_FEATURES -> {
                // Section 3.1.1: features are written after DRIVER and before FEATURES_OK.
                if ((st & VIRTIO_CONFIG_S_DRIVER) == 0 || (st & VIRTIO_CONFIG_S_FEATURES_OK) != 0) {
                    counters.increment(VirtioCounters.Counter.INVALID_STATUS_TRANSITION);
                } else if (driverFeaturesSel == 0) {
                    driverFeatures = (driverFeatures & 0xffffffff00000000L) | Integer.toUnsignedLong(value);
                } else if (driverFeaturesSel == 1) {
                    driverFeatures = (driverFeatures & 0xffffffffL) | (long) value << 32;
                }
            }
            case VIRTIO_MMIO_QUEUE_SEL -> queueSel = value < 0 ? Integer.MAX_VALUE : value;
            case VIRTIO_MMIO_QUEUE_NUM -> {
                if (queueWritable) {
                    q.size = value;
                }
            }
            case VIRTIO_MMIO_QUEUE_READY -> {
                if (q != null && (value & 1) == 0) {
                    q.ready = false;
                    disableLiveQueue(queueSel);
                } else if (queueWritable) {
                    q.ready = true;
                }
            }
            case VIRTIO_MMIO_QUEUE_DESC_LOW -> { if (queueWritable) { q.desc = low(q.desc, value); } }
            case VIRTIO_MMIO_QUEUE_DESC_HIGH -> { if (queueWritable) { q.desc = high(q.desc, value); } }
            case VIRTIO_MMIO_QUEUE_AVAIL_LOW -> { if (queueWritable) { q.avail = low(q.avail, value); } }
            case VIRTIO_MMIO_QUEUE_AVAIL_HIGH -> { if (queueWritable) { q.avail = high(q.avail, value); } }
            case VIRTIO_MMIO_QUEUE_USED_LOW -> { if (queueWritable) { q.used = low(q.used, value); } }
            case VIRTIO_MMIO_QUEUE_USED_HIGH -> { if (queueWritable) { q.used = high(q.used, value); } }
            case VIRTIO_MMIO_INTERRUPT_ACK -> interruptStatus.getAndUpdate(s -> s & ~value);
            case VIRTIO_MMIO_STATUS -> writeStatus(value & 0xff);
            case VIRTIO_MMIO_SHM_SEL -> shmSel = value;
            case VIRTIO_MMIO_QUEUE_RESET -> { } // VIRTIO_F_RING_RESET is not offered
            default -> counters.increment(VirtioCounters.Counter.INVALID_REGISTER_ACCESS);
        }
    }

    /** QueueReady 0 on a live queue: the device must stop touching its rings (section 4.2.2.1). */
    private void disableLiveQueue(int index) {
        synchronized (processingLock) {
            if (queues != null && queues.get(index) != null) {
                queues.get(index).disable();
            }
        }
    }

    /** The status state machine of section 3.1.1; NEEDS_RESET is the device's bit, never the driver's. */
    private void writeStatus(int value) {
        int written = value & ~VIRTIO_CONFIG_S_NEEDS_RESET;
        int current = status.get() & ~VIRTIO_CONFIG_S_NEEDS_RESET;
        if (written == 0) {
            reset();
            return;
        }
        if ((written & VIRTIO_CONFIG_S_FAILED) != 0) {
            status.getAndUpdate(s -> s | VIRTIO_CONFIG_S_FAILED); // the driver gave up on us
            return;
        }
        if (written == current) {
            return;
        }
        int ackDriver = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
        int featuresOk = ackDriver | VIRTIO_CONFIG_S_FEATURES_OK;
        if (current == 0 && written == VIRTIO_CONFIG_S_ACKNOWLEDGE
                || current == VIRTIO_CONFIG_S_ACKNOWLEDGE && written == ackDriver) {
            status.set(written);
        } else if (current == ackDriver && written == featuresOk) {
            // Section 2.2.2: accept only offered features, and only a modern driver.
            if ((driverFeatures & ~offeredFeatures) != 0 || !has(driverFeatures, VIRTIO_F_VERSION_1)) {
                counters.increment(VirtioCounters.Counter.FEATURES_REFUSED);
                LOG.debug("{}: FEATURES_OK refused for driver features 0x{} (offered 0x{})", name,
                        Long.toHexString(driverFeatures), Long.toHexString(offeredFeatures));
            } else {
                status.set(written);
            }
        } else if (current == featuresOk && written == (featuresOk | VIRTIO_CONFIG_S_DRIVER_OK)) {
            activate(written);
        } else {
            counters.increment(VirtioCounters.Counter.INVALID_STATUS_TRANSITION);
        }
    }

    private void activate(int newStatus) {
        synchronized (processingLock) {
            status.set(newStatus);
            List<Virtqueue> built = new ArrayList<>(queueConfigs.length);
            for (int i = 0; i < queueConfigs.length; i++) {
                QueueConfig c = queueConfigs[i];
                if (!c.ready) {
                    built.add(null);
                    continue;
                }
                GuestAddress desc = new GuestAddress(c.desc);
                GuestAddress avail = new GuestAddress(c.avail);
                GuestAddress used = new GuestAddress(c.used);
                String problem = Virtqueue.checkLayout(memory, c.size, c.maxSize, desc, avail, used);
                if (problem != null) {
                    interrupt.setDeviceNeedsReset(VirtioCounters.Counter.INVALID_QUEUE_CONFIG,
                            "queue " + i + ": " + problem);
                    return;
                }
                built.add(new Virtqueue(i, memory, c.size, desc, avail, used,
                        has(driverFeatures, VIRTIO_RING_F_EVENT_IDX), has(driverFeatures, VIRTIO_RING_F_INDIRECT_DESC),
                        counters));
            }
            List<Virtqueue> view = java.util.Collections.unmodifiableList(built);
            try {
                device.activate(driverFeatures, view, memory, interrupt);
                queues = view;
            } catch (RuntimeException e) {
                LOG.error("{}: device activation failed", name, e);
                interrupt.setDeviceNeedsReset(VirtioCounters.Counter.INTERNAL_ERROR, e.toString());
            }
        }
    }

    /** Status 0: every register, queue and the device back to their initial state (section 2.4). */
    private void reset() {
        synchronized (processingLock) {
            device.reset();
            queues = null;
        }
        for (int i = 0; i < queueConfigs.length; i++) {
            queueConfigs[i] = new QueueConfig(queueConfigs[i].maxSize);
        }
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        shmSel = 0;
        interruptStatus.set(0);
        status.set(0);
    }

    private static long low(long old, int value) {
        return (old & 0xffffffff00000000L) | Integer.toUnsignedLong(value);
    }

    private static long high(long old, int value) {
        return (old & 0xffffffffL) | (long) value << 32;
    }

    /** The device's view of this transport. Called under the processing lock. */
    private final class Interrupt implements VirtioInterrupt {
        @Override
        public void signalUsedBuffer(Virtqueue queue) {
            if (queue.needsInterrupt()) {
                interruptStatus.getAndUpdate(s -> s | VIRTIO_MMIO_INT_VRING);
                interruptLine.trigger();
            }
        }

        @Override
        public void signalConfigChange() {
            configGeneration.incrementAndGet();
            interruptStatus.getAndUpdate(s -> s | VIRTIO_MMIO_INT_CONFIG);
            interruptLine.trigger();
        }

        @Override
        public void setDeviceNeedsReset(VirtioCounters.Counter reason, String detail) {
            counters.increment(reason);
            int before = status.getAndUpdate(s -> s | VIRTIO_CONFIG_S_NEEDS_RESET);
            if ((before & VIRTIO_CONFIG_S_NEEDS_RESET) != 0) {
                return; // already reported
            }
            counters.increment(VirtioCounters.Counter.DEVICE_NEEDS_RESET);
            // A guest can repeat this at will: one warning per device, the rest at debug level.
            if (counters.get(VirtioCounters.Counter.DEVICE_NEEDS_RESET) == 1) {
                LOG.warn("{}: device needs reset: {} ({}); further ones are logged at debug level", name, detail,
                        reason);
            } else {
                LOG.debug("{}: device needs reset: {} ({})", name, detail, reason);
            }
            // Section 2.1.2: after setting DEVICE_NEEDS_RESET with DRIVER_OK set, the device MUST send a
            // configuration change notification.
            interruptStatus.getAndUpdate(s -> s | VIRTIO_MMIO_INT_CONFIG);
            interruptLine.trigger();
        }
    }
}
