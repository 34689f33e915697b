package io.jvmm.devices;

import java.util.Objects;

/**
 * A device state record (from a snapshot) that cannot be restored: a value out of range, an address
 * outside guest memory, a record that does not match the device it is given to. The message names the
 * device and the field: {@code virtio-blk0 queue 0: desc address 0x1f000000 is outside guest memory}.
 *
 * <p>Snapshot files are untrusted input: every device's {@code restore} factory checks its record as it
 * would check a guest's register writes, and throws this before building anything, so a failed restore
 * never leaves a half-built device behind.
 */
public final class DeviceStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String device;

    /**
     * @param device the device's name ("serial", "virtio-blk0")
     * @param detail what is wrong, naming the field
     */
    public DeviceStateException(String device, String detail) {
        super(device + ": " + detail);
        this.device = Objects.requireNonNull(device, "device");
    }

    /** The device whose record was refused. */
    public String device() {
        return device;
    }
}
