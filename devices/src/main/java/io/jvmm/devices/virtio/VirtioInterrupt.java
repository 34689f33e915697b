package io.jvmm.devices.virtio;

/**
 * What an activated device tells its transport. The virtio-mmio transport implements it by setting
 * InterruptStatus bits and raising its interrupt line (an irqfd on a real VM). Called on the thread
 * that processes the queues.
 */
public interface VirtioInterrupt {

    /**
     * The device has put buffers in {@code queue}'s used ring. Raises the used-buffer interrupt unless
     * the driver suppressed it (VIRTQ_AVAIL_F_NO_INTERRUPT or used_event, section 2.7.7).
     */
    void signalUsedBuffer(Virtqueue queue);

    /** The device configuration space changed: bumps ConfigGeneration, raises the config interrupt. */
    void signalConfigChange();

    /**
     * The device hit an error the driver must reset it for: sets DEVICE_NEEDS_RESET, sends the
     * configuration change notification (section 2.1.2) and counts {@code reason}. The device stops
     * processing its queues until the driver resets it.
     */
    void setDeviceNeedsReset(VirtioCounters.Counter reason, String detail);
}
