package io.jvmm.devices.virtio;

import io.jvmm.core.bus.BusDevice.Register;

/**
 * Register offsets of the virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2), named as in
 * Linux's include/uapi/linux/virtio_mmio.h. All control registers are 32 bits wide; the device
 * configuration space starts at {@link #VIRTIO_MMIO_CONFIG}.
 *
 * <pre>
 *  0x000 MagicValue        R   0x74726976 ("virt")
 *  0x004 Version           R   2
 *  0x008 DeviceID          R
 *  0x00c VendorID          R
 *  0x010 DeviceFeatures    R   32 bits selected by DeviceFeaturesSel
 *  0x014 DeviceFeaturesSel W
 *  0x020 DriverFeatures    W   32 bits selected by DriverFeaturesSel
 *  0x024 DriverFeaturesSel W
 *  0x030 QueueSel          W
 *  0x034 QueueNumMax       R
 *  0x038 QueueNum          W
 *  0x044 QueueReady        RW
 *  0x050 QueueNotify       W   (the ioeventfd doorbell)
 *  0x060 InterruptStatus   R
 *  0x064 InterruptACK      W
 *  0x070 Status            RW
 *  0x080 QueueDescLow/High       W (0x084)
 *  0x090 QueueDriverLow/High     W (0x094)  avail ring
 *  0x0a0 QueueDeviceLow/High     W (0x0a4)  used ring
 *  0x0ac SHMSel            W
 *  0x0b0 SHMLenLow/High    R (0x0b4)
 *  0x0b8 SHMBaseLow/High   R (0x0bc)
 *  0x0c0 QueueReset        RW  (only with VIRTIO_F_RING_RESET, not offered)
 *  0x0fc ConfigGeneration  R
 *  0x100 Config            RW  device-specific
 * </pre>
 */
public final class VirtioMmio {
    private VirtioMmio() {
    }

    /** Size of one virtio-mmio device window on the MMIO bus (Firecracker's and the kernel's 4K). */
    public static final long VIRTIO_MMIO_SIZE = 0x1000;

    /** "virt" in little-endian. */
    public static final int VIRTIO_MMIO_MAGIC_VALUE_LE = 0x74726976;
    /** The modern (virtio 1.x) register layout; version 1 is the legacy layout, not supported. */
    public static final int VIRTIO_MMIO_VERSION_2 = 2;
    /** VendorID: "JVMM" in little-endian; drivers do not interpret it. */
    public static final int JVMM_VENDOR_ID = 0x4d4d564a;

    public static final int VIRTIO_MMIO_MAGIC_VALUE = 0x000;
    public static final int VIRTIO_MMIO_VERSION = 0x004;
    public static final int VIRTIO_MMIO_DEVICE_ID = 0x008;
    public static final int VIRTIO_MMIO_VENDOR_ID = 0x00c;
    public static final int VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
    public static final int VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
    public static final int VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
    public static final int VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
    public static final int VIRTIO_MMIO_QUEUE_SEL = 0x030;
    public static final int VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
    public static final int VIRTIO_MMIO_QUEUE_NUM = 0x038;
    public static final int VIRTIO_MMIO_QUEUE_READY = 0x044;
    public static final int VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
    public static final int VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
    public static final int VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
    public static final int VIRTIO_MMIO_STATUS = 0x070;
    public static final int VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
    public static final int VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
    public static final int VIRTIO_MMIO_QUEUE_AVAIL_LOW = 0x090;
    public static final int VIRTIO_MMIO_QUEUE_AVAIL_HIGH = 0x094;
    public static final int VIRTIO_MMIO_QUEUE_USED_LOW = 0x0a0;
    public static final int VIRTIO_MMIO_QUEUE_USED_HIGH = 0x0a4;
    public static final int VIRTIO_MMIO_SHM_SEL = 0x0ac;
    public static final int VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0;
    public static final int VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4;
    public static final int VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8;
    public static final int VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc;
    public static final int VIRTIO_MMIO_QUEUE_RESET = 0x0c0;
    public static final int VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
    public static final int VIRTIO_MMIO_CONFIG = 0x100;

    /** InterruptStatus bit 0: the device used a buffer in at least one queue. */
    public static final int VIRTIO_MMIO_INT_VRING = 1 << 0;
    /** InterruptStatus bit 1: the device configuration changed (or DEVICE_NEEDS_RESET was set). */
    public static final int VIRTIO_MMIO_INT_CONFIG = 1 << 1;

    /**
     * For exit traces: the register at {@code offset} by its name in the table above, and what the value
     * means where that is short to say (the queue notified, the status bits, the interrupt cause).
     */
    public static Register describe(long offset, boolean write, byte[] data) {
        if (offset >= VIRTIO_MMIO_CONFIG && offset < VIRTIO_MMIO_SIZE) {
            return new Register("Config", "device-specific configuration +0x" + Long.toHexString(offset - VIRTIO_MMIO_CONFIG));
        }
        int v = 0;
        for (int i = Math.min(data.length, 4) - 1; i >= 0; i--) {
            v = v << 8 | (data[i] & 0xff);
        }
        return switch ((int) offset) {
            case VIRTIO_MMIO_MAGIC_VALUE -> new Register("MagicValue", "\"virt\"");
            case VIRTIO_MMIO_VERSION -> new Register("Version", "");
            case VIRTIO_MMIO_DEVICE_ID -> new Register("DeviceID", "");
            case VIRTIO_MMIO_VENDOR_ID -> new Register("VendorID", "");
            case VIRTIO_MMIO_DEVICE_FEATURES -> new Register("DeviceFeatures", "feature bits the device offers");
            case VIRTIO_MMIO_DEVICE_FEATURES_SEL -> new Register("DeviceFeaturesSel", "feature word " + v);
            case VIRTIO_MMIO_DRIVER_FEATURES -> new Register("DriverFeatures", "feature bits the driver accepts");
            case VIRTIO_MMIO_DRIVER_FEATURES_SEL -> new Register("DriverFeaturesSel", "feature word " + v);
            case VIRTIO_MMIO_QUEUE_SEL -> new Register("QueueSel", "queue " + v);
            case VIRTIO_MMIO_QUEUE_NUM_MAX -> new Register("QueueNumMax", "");
            case VIRTIO_MMIO_QUEUE_NUM -> new Register("QueueNum", "queue size");
            case VIRTIO_MMIO_QUEUE_READY -> new Register("QueueReady", "");
            case VIRTIO_MMIO_QUEUE_NOTIFY -> new Register("QueueNotify", "queue " + v + ": the driver made buffers available");
            case VIRTIO_MMIO_INTERRUPT_STATUS -> new Register("InterruptStatus", interrupts(v));
            case VIRTIO_MMIO_INTERRUPT_ACK -> new Register("InterruptACK", interrupts(v));
            case VIRTIO_MMIO_STATUS -> new Register("Status", status(v));
            case VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH -> new Register(
                    offset == VIRTIO_MMIO_QUEUE_DESC_LOW ? "QueueDescLow" : "QueueDescHigh", "descriptor table address");
            case VIRTIO_MMIO_QUEUE_AVAIL_LOW, VIRTIO_MMIO_QUEUE_AVAIL_HIGH -> new Register(
                    offset == VIRTIO_MMIO_QUEUE_AVAIL_LOW ? "QueueDriverLow" : "QueueDriverHigh", "available ring address");
            case VIRTIO_MMIO_QUEUE_USED_LOW, VIRTIO_MMIO_QUEUE_USED_HIGH -> new Register(
                    offset == VIRTIO_MMIO_QUEUE_USED_LOW ? "QueueDeviceLow" : "QueueDeviceHigh", "used ring address");
            case VIRTIO_MMIO_SHM_SEL -> new Register("SHMSel", "");
            case VIRTIO_MMIO_SHM_LEN_LOW, VIRTIO_MMIO_SHM_LEN_HIGH, VIRTIO_MMIO_SHM_BASE_LOW, VIRTIO_MMIO_SHM_BASE_HIGH ->
                    new Register("SHM", "no shared memory regions");
            case VIRTIO_MMIO_QUEUE_RESET -> new Register("QueueReset", "");
            case VIRTIO_MMIO_CONFIG_GENERATION -> new Register("ConfigGeneration", "");
            default -> null;
        };
    }

    private static String interrupts(int v) {
        String s = ((v & VIRTIO_MMIO_INT_VRING) != 0 ? " used buffers" : "") + ((v & VIRTIO_MMIO_INT_CONFIG) != 0 ? " config change" : "");
        return s.isEmpty() ? "none" : s.substring(1);
    }

    /** The device status bits (virtio 1.2 section 2.1), in the order a driver sets them. */
    private static String status(int v) {
        if (v == 0) {
            return "0: reset";
        }
        StringBuilder sb = new StringBuilder();
        int[] bits = {VirtioConfig.VIRTIO_CONFIG_S_ACKNOWLEDGE, VirtioConfig.VIRTIO_CONFIG_S_DRIVER,
                VirtioConfig.VIRTIO_CONFIG_S_FEATURES_OK, VirtioConfig.VIRTIO_CONFIG_S_DRIVER_OK,
                VirtioConfig.VIRTIO_CONFIG_S_NEEDS_RESET, VirtioConfig.VIRTIO_CONFIG_S_FAILED};
        String[] names = {"ACKNOWLEDGE", "DRIVER", "FEATURES_OK", "DRIVER_OK", "NEEDS_RESET", "FAILED"};
        for (int i = 0; i < bits.length; i++) {
            if ((v & bits[i]) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(names[i]);
            }
        }
        return sb.toString();
    }
}
