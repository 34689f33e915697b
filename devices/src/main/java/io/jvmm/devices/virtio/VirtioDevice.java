package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestMemory;

import java.util.List;

/**
 * A virtio device as a transport sees it (virtio 1.2 section 2): an ID, feature bits, a configuration
 * space and some queues. It knows nothing of MMIO or PCI.
 *
 * <p>Threads: {@link #deviceType()}, {@link #deviceFeatures()}, {@link #queueCount()},
 * {@link #queueMaxSize(int)} and the config accessors are called from vCPU threads under the
 * transport's register lock; {@link #activate}, {@link #queueNotified}, {@link #backendReady} and
 * {@link #reset} under the transport's processing lock, so never two of them at once.
 */
public interface VirtioDevice {

    /** VIRTIO_ID_*, section 5. */
    int deviceType();

    /**
     * Device-specific feature bits offered to the driver. The transport adds its own
     * ({@link VirtioConfig#TRANSPORT_FEATURES}).
     */
    long deviceFeatures();

    int queueCount();

    /** QueueNumMax of queue {@code index}: a power of two, at most 32768 (section 2.7). */
    int queueMaxSize(int index);

    /** Fills {@code data} from the configuration space at {@code offset}; past its end reads zeros. */
    void readConfig(long offset, byte[] data);

    /** Takes a driver write to the configuration space; most devices ignore it. */
    void writeConfig(long offset, byte[] data);

    /**
     * The driver set DRIVER_OK. {@code queues} has one entry per queue, null for a queue the driver
     * did not make ready; each non-null queue's rings were checked to lie inside {@code memory}.
     *
     * @param ackedFeatures the features both sides agreed on (transport and device bits)
     */
    void activate(long ackedFeatures, List<Virtqueue> queues, GuestMemory memory, VirtioInterrupt interrupt);

    /** The driver notified queue {@code index} (QueueNotify or its ioeventfd): process it. */
    void queueNotified(int index);

    /**
     * The device's back end has an event (a TAP became readable). Called by the assembly's I/O thread
     * through {@link VirtioMmioTransport#backendReady()}. Devices without such a back end ignore it.
     */
    default void backendReady() {
    }

    /**
     * Whether {@link #backendReady} could move input now (for a network device: its receive queue is live
     * and has room). The I/O thread polls the back end only while this holds, so that input the device
     * cannot take does not keep a level-triggered poll spinning; whatever makes it true again must be a
     * queue notification (which wakes that thread). Called from the I/O thread without the processing
     * lock: implementations read volatile state. Devices without such a back end keep the default.
     */
    default boolean wantsBackendInput() {
        return true;
    }

    /** The driver wrote 0 to Status: drop the queues and return to the state before activation. */
    void reset();

    /** This device's error and drop counters. */
    VirtioCounters counters();
}
