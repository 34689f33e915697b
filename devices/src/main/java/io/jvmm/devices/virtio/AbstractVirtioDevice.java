package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestMemory;

import java.util.List;

/**
 * What every virtio device here shares: the counters, the activation state handed over by the
 * transport, and the queue-popping loop that turns a guest protocol error into DEVICE_NEEDS_RESET.
 * Subclasses implement the device-specific parts. Activation state is only touched under the
 * transport's processing lock (see {@link VirtioDevice}).
 */
public abstract class AbstractVirtioDevice implements VirtioDevice {
    protected final VirtioCounters counters = new VirtioCounters();

    protected GuestMemory memory;
    protected List<Virtqueue> queues;
    protected VirtioInterrupt interrupt;
    protected long ackedFeatures;

    protected AbstractVirtioDevice() {
    }

    @Override
    public final VirtioCounters counters() {
        return counters;
    }

    @Override
    public final void activate(long ackedFeatures, List<Virtqueue> queues, GuestMemory memory,
                               VirtioInterrupt interrupt) {
        this.ackedFeatures = ackedFeatures;
        this.queues = queues;
        this.memory = memory;
        this.interrupt = interrupt;
        onActivate();
    }

    @Override
    public final void reset() {
        onReset();
        this.queues = null;
        this.memory = null;
        this.interrupt = null;
        this.ackedFeatures = 0;
    }

    /** Hook after activation; the default does nothing. */
    protected void onActivate() {
    }

    /** Hook before the activation state is dropped; the default does nothing. */
    protected void onReset() {
    }

    /** True between activation and reset. */
    protected final boolean isActive() {
        return queues != null;
    }

    /** Queue {@code index} when the device is active and the driver made it ready, else null. */
    protected final Virtqueue queue(int index) {
        if (queues == null || index < 0 || index >= queues.size()) {
            return null;
        }
        return queues.get(index);
    }

    /**
     * The next chain of {@code q}, or null when there is none or the guest broke the ring protocol;
     * in the latter case the device is put into DEVICE_NEEDS_RESET.
     */
    protected final DescriptorChain pop(Virtqueue q) {
        try {
            return q.pop();
        } catch (VirtqueueException e) {
            interrupt.setDeviceNeedsReset(e.reason(), e.getMessage());
            return null;
        }
    }

    /** Copies the configuration space image {@code config} at {@code offset} into {@code data}; zeros past it. */
    protected static void readConfigImage(byte[] config, long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at >= 0 && at < config.length ? config[(int) at] : 0;
        }
    }
}
