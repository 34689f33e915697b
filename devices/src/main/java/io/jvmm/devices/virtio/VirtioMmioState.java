package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.DeviceStateException;

import java.util.List;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioMmio.VIRTIO_MMIO_INT_CONFIG;
import static io.jvmm.devices.virtio.VirtioMmio.VIRTIO_MMIO_INT_VRING;

/**
 * The state of a {@link VirtioMmioTransport}: its registers (virtio 1.2 section 4.2.2) and its queues, as
 * {@link VirtioMmioTransport#state()} hands it out and {@link VirtioMmioTransport#restore} takes it back.
 * The device behind the transport has its own record (e.g. {@code VirtioBlockState}).
 *
 * @param deviceType        DeviceID (VIRTIO_ID_*), checked against the device on restore
 * @param deviceFeatures    the features offered (device and transport bits), checked against the device
 * @param driverFeatures    DriverFeatures as the driver wrote them (acked once FEATURES_OK is set)
 * @param deviceFeaturesSel DeviceFeaturesSel
 * @param driverFeaturesSel DriverFeaturesSel
 * @param queueSel          QueueSel
 * @param shmSel            SHMSel
 * @param status            Status (VIRTIO_CONFIG_S_*)
 * @param interruptStatus   InterruptStatus (VIRTIO_MMIO_INT_VRING, VIRTIO_MMIO_INT_CONFIG)
 * @param configGeneration  ConfigGeneration
 * @param activated         the device was activated at DRIVER_OK (false when that failed on a bad queue)
 * @param queues            one entry per queue of the device
 */
public record VirtioMmioState(int deviceType, long deviceFeatures, long driverFeatures, int deviceFeaturesSel,
                              int driverFeaturesSel, int queueSel, int shmSel, int status, int interruptStatus,
                              int configGeneration, boolean activated, List<VirtqueueState> queues) {

    private static final int ACK = VIRTIO_CONFIG_S_ACKNOWLEDGE;
    private static final int ACK_DRIVER = ACK | VIRTIO_CONFIG_S_DRIVER;
    private static final int FEATURES_OK = ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
    private static final int DRIVER_OK = FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;

    public VirtioMmioState {
        queues = queues == null ? null : List.copyOf(queues); // null refused by validate()
    }

    /**
     * Checks the record as untrusted input against the device it is to drive and the guest memory its
     * queues live in, the way the transport checks a driver: the status is one the state machine of
     * section 3.1.1 can reach, acked features were offered, and every live queue passes the checks of
     * DRIVER_OK (size a power of two up to QueueNumMax, rings aligned and inside guest memory) plus its
     * ring indices are 16-bit with no more chains in flight than the queue holds. Registers of a queue that
     * is not live are the driver's raw writes; they are checked when the driver sets DRIVER_OK, as ever.
     */
    void validate(String name, VirtioDevice device, GuestMemory memory) {
        if (deviceType != device.deviceType()) {
            throw new DeviceStateException(name, "the record is for device type " + deviceType
                    + ", the device given has type " + device.deviceType());
        }
        long offered = device.deviceFeatures() | TRANSPORT_FEATURES;
        if (deviceFeatures != offered) {
            throw new DeviceStateException(name, "deviceFeatures 0x" + Long.toHexString(deviceFeatures)
                    + " in the record, the device given offers 0x" + Long.toHexString(offered)
                    + " (was it configured differently, e.g. read-only?)");
        }
        int base = status & ~(VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED);
        if ((status & ~0xff) != 0 || base != 0 && base != ACK && base != ACK_DRIVER && base != FEATURES_OK
                && base != DRIVER_OK) {
            throw new DeviceStateException(name, "status 0x" + Integer.toHexString(status)
                    + " is not a state of the virtio status machine");
        }
        if ((base & VIRTIO_CONFIG_S_DRIVER) == 0 && driverFeatures != 0) {
            throw new DeviceStateException(name, "driverFeatures 0x" + Long.toHexString(driverFeatures)
                    + " set before the driver set DRIVER");
        }
        if ((base & VIRTIO_CONFIG_S_FEATURES_OK) != 0
                && ((driverFeatures & ~offered) != 0 || !has(driverFeatures, VIRTIO_F_VERSION_1))) {
            throw new DeviceStateException(name, "driverFeatures 0x" + Long.toHexString(driverFeatures)
                    + " accepted but not a subset of the offered 0x" + Long.toHexString(offered)
                    + " with VIRTIO_F_VERSION_1");
        }
        if (activated && base != DRIVER_OK) {
            throw new DeviceStateException(name, "activated without DRIVER_OK in status 0x"
                    + Integer.toHexString(status));
        }
        if (!activated && base == DRIVER_OK && (status & VIRTIO_CONFIG_S_NEEDS_RESET) == 0) {
            throw new DeviceStateException(name, "DRIVER_OK without NEEDS_RESET but not activated");
        }
        if ((interruptStatus & ~(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)) != 0) {
            throw new DeviceStateException(name, "interruptStatus 0x" + Integer.toHexString(interruptStatus)
                    + " has bits other than VRING and CONFIG");
        }
        if (queueSel < 0) {
            throw new DeviceStateException(name, "queueSel " + queueSel + " is negative");
        }
        if (queues == null) {
            throw new DeviceStateException(name, "queues are missing");
        }
        if (queues.size() != device.queueCount()) {
            throw new DeviceStateException(name, "the record has " + queues.size() + " queues, the device "
                    + device.queueCount());
        }
        for (int i = 0; i < queues.size(); i++) {
            validateQueue(name + " queue " + i, queues.get(i), device.queueMaxSize(i), memory);
        }
    }

    /** True when queue {@code q} has a Virtqueue behind it: activated with it ready, or disabled since. */
    boolean isLive(VirtqueueState q) {
        return activated && (q.ready() || q.disabled());
    }

    private void validateQueue(String where, VirtqueueState q, int maxSize, GuestMemory memory) {
        if (q == null) {
            throw new DeviceStateException(where, "missing");
        }
        if (q.maxSize() != maxSize) {
            throw new DeviceStateException(where, "maxSize " + q.maxSize() + " in the record, the device has "
                    + maxSize);
        }
        if (q.disabled() && (!activated || q.ready())) {
            throw new DeviceStateException(where, "disabled, but " + (q.ready() ? "ready" : "never live"));
        }
        if (!isLive(q)) {
            if (q.hasProgress()) {
                throw new DeviceStateException(where, "ring progress recorded for a queue that is not live");
            }
            return;
        }
        int size = q.size();
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new DeviceStateException(where, "size " + size + " is not a power of two in [1, " + maxSize + "]");
        }
        checkRing(where, "desc", q.descAddr(), 16, (long) Virtqueue.DESC_SIZE * size, memory);
        checkRing(where, "avail", q.availAddr(), 2, 6 + 2L * size, memory);
        checkRing(where, "used", q.usedAddr(), 4, 6 + 8L * size, memory);
        checkU16(where, "lastAvailIdx", q.lastAvailIdx());
        checkU16(where, "nextUsedIdx", q.nextUsedIdx());
        checkU16(where, "signalledUsedIdx", q.signalledUsedIdx());
        int inFlight = (q.lastAvailIdx() - q.nextUsedIdx()) & 0xffff;
        if (inFlight > size) {
            throw new DeviceStateException(where, "lastAvailIdx " + q.lastAvailIdx() + " is " + inFlight
                    + " chains past nextUsedIdx " + q.nextUsedIdx() + ", more than the queue size " + size);
        }
        if (!has(driverFeatures, VIRTIO_RING_F_EVENT_IDX) && (q.signalledValid() || q.signalledUsedIdx() != 0)) {
            throw new DeviceStateException(where, "EVENT_IDX state recorded but VIRTIO_RING_F_EVENT_IDX not acked");
        }
        if (has(driverFeatures, VIRTIO_RING_F_EVENT_IDX) && q.notifySuppressed()) {
            throw new DeviceStateException(where, "notifySuppressed is set, but EVENT_IDX is in use");
        }
    }

    private static void checkRing(String where, String ring, long addr, int align, long len, GuestMemory memory) {
        if ((addr & (align - 1)) != 0) {
            throw new DeviceStateException(where, ring + " address 0x" + Long.toHexString(addr)
                    + " is not " + align + "-byte aligned");
        }
        if (!memory.contains(new GuestAddress(addr), len)) {
            throw new DeviceStateException(where, ring + " address 0x" + Long.toHexString(addr) + " (" + len
                    + " bytes) is outside guest memory");
        }
    }

    private static void checkU16(String where, String field, int value) {
        if (value < 0 || value > 0xffff) {
            throw new DeviceStateException(where, field + " " + value + " is not a 16-bit index");
        }
    }
}
