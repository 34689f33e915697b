package io.jvmm.devices.virtio;

/**
 * Device status bits and transport feature bits, named as in Linux's
 * include/uapi/linux/virtio_config.h and virtio_ring.h (virtio 1.2 sections 2.1 and 6).
 */
public final class VirtioConfig {
    private VirtioConfig() {
    }

    // Device status field, section 2.1.
    /** The guest OS has found the device. */
    public static final int VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
    /** The guest OS knows how to drive the device. */
    public static final int VIRTIO_CONFIG_S_DRIVER = 2;
    /** The driver is set up and ready to drive the device. */
    public static final int VIRTIO_CONFIG_S_DRIVER_OK = 4;
    /** Feature negotiation is complete. */
    public static final int VIRTIO_CONFIG_S_FEATURES_OK = 8;
    /** The device has hit an error the driver can only recover from by resetting it. */
    public static final int VIRTIO_CONFIG_S_NEEDS_RESET = 0x40;
    /** The driver gave up on the device. */
    public static final int VIRTIO_CONFIG_S_FAILED = 0x80;

    // Reserved feature bits, section 6.
    /** Descriptors may refer to indirect descriptor tables (section 2.7.5.3). */
    public static final int VIRTIO_RING_F_INDIRECT_DESC = 28;
    /** used_event / avail_event notification suppression (section 2.7.7, 2.7.10). */
    public static final int VIRTIO_RING_F_EVENT_IDX = 29;
    /** The device complies with virtio 1.x; required here (no legacy interface). */
    public static final int VIRTIO_F_VERSION_1 = 32;

    /** The feature bits the transport itself offers for every device. */
    public static final long TRANSPORT_FEATURES =
            bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_RING_F_EVENT_IDX) | bit(VIRTIO_RING_F_INDIRECT_DESC);

    /** The feature mask with bit {@code n} set. */
    public static long bit(int n) {
        return 1L << n;
    }

    /** True when feature bit {@code n} is set in {@code features}. */
    public static boolean has(long features, int n) {
        return (features & bit(n)) != 0;
    }
}
