package io.jvmm.devices.virtio;

/** Virtio device IDs (virtio 1.2 section 5, Linux include/uapi/linux/virtio_ids.h). */
public final class VirtioIds {
    private VirtioIds() {
    }

    public static final int VIRTIO_ID_NET = 1;
    public static final int VIRTIO_ID_BLOCK = 2;
    public static final int VIRTIO_ID_RNG = 4;
}
