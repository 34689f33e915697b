package io.jvmm.devices.virtio;

/**
 * The guest broke the virtqueue protocol in a way the device cannot answer with a request status:
 * the device must set DEVICE_NEEDS_RESET (virtio 1.2 section 2.1.2). Checked, so that every device
 * loop decides what to do with it.
 */
public final class VirtqueueException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient VirtioCounters.Counter reason;

    public VirtqueueException(VirtioCounters.Counter reason, String message) {
        super(message, null, false, false); // no stack trace: a guest can make these at will
        this.reason = reason;
    }

    public VirtioCounters.Counter reason() {
        return reason;
    }
}
