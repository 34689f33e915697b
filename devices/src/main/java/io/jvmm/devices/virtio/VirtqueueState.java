package io.jvmm.devices.virtio;

/**
 * The state of one virtqueue of a {@link VirtioMmioTransport}, part of its {@link VirtioMmioState} (after
 * rust-vmm virtio-queue's {@code QueueState}): the registers the driver wrote (section 4.2.2) and, for a
 * live queue, how far the device has got through the rings (section 2.7). Whether EVENT_IDX and indirect
 * descriptors are in use follows from the transport's driver features.
 *
 * <p>A queue is live when the device was activated (DRIVER_OK) with the queue ready; it stays live, but
 * {@code disabled}, after the driver writes QueueReady 0. The progress fields of a queue that is not live
 * are zero and false.
 *
 * @param maxSize          QueueNumMax, the device's limit (checked against the device on restore)
 * @param size             QueueNum as the driver wrote it
 * @param ready            QueueReady
 * @param descAddr         QueueDescLow/High: the descriptor table
 * @param availAddr        QueueDriverLow/High: the available ring
 * @param usedAddr         QueueDeviceLow/High: the used ring
 * @param lastAvailIdx     the next available-ring index the device will take (free-running u16)
 * @param nextUsedIdx      the next used-ring index the device will fill (free-running u16)
 * @param signalledUsedIdx EVENT_IDX: the used idx at the last interrupt sent (u16)
 * @param signalledValid   EVENT_IDX: an interrupt was sent since activation ({@code signalledUsedIdx} means
 *                         something)
 * @param notifySuppressed without EVENT_IDX: the device set VIRTQ_USED_F_NO_NOTIFY in the used ring
 * @param broken           the guest broke the ring protocol; the queue hands out no more chains
 * @param disabled         the driver wrote QueueReady 0 while the queue was live
 */
public record VirtqueueState(int maxSize, int size, boolean ready, long descAddr, long availAddr, long usedAddr,
                             int lastAvailIdx, int nextUsedIdx, int signalledUsedIdx, boolean signalledValid,
                             boolean notifySuppressed, boolean broken, boolean disabled) {

    /** The register part of a queue that is not live. */
    static VirtqueueState registersOnly(int maxSize, int size, boolean ready, long desc, long avail, long used) {
        return new VirtqueueState(maxSize, size, ready, desc, avail, used, 0, 0, 0, false, false, false, false);
    }

    /** True when any progress field is set (it must not be for a queue that is not live). */
    boolean hasProgress() {
        return lastAvailIdx != 0 || nextUsedIdx != 0 || signalledUsedIdx != 0 || signalledValid
                || notifySuppressed || broken || disabled;
    }
}
