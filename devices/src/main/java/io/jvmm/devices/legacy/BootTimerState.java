package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;

/**
 * The state of a {@link BootTimer}: whether the guest has signalled boot completion and, if so, the boot
 * time it measured then (nanoseconds, so that the record is plain numbers).
 *
 * @param fired                   the guest wrote the magic byte
 * @param sinceProcessStartNanos  the boot time since the VMM process started; 0 unless fired
 * @param sinceBuildStartNanos    the boot time since the VM's build started; 0 unless fired
 */
public record BootTimerState(boolean fired, long sinceProcessStartNanos, long sinceBuildStartNanos) {
    static final String DEVICE = "boot-timer";

    /** Checks the record as untrusted input; throws {@link DeviceStateException} naming the field. */
    void validate() {
        if (!fired && (sinceProcessStartNanos != 0 || sinceBuildStartNanos != 0)) {
            throw new DeviceStateException(DEVICE, "boot times recorded although the timer has not fired");
        }
        if (sinceProcessStartNanos < 0) {
            throw new DeviceStateException(DEVICE, "sinceProcessStartNanos " + sinceProcessStartNanos + " is negative");
        }
        if (sinceBuildStartNanos < 0) {
            throw new DeviceStateException(DEVICE, "sinceBuildStartNanos " + sinceBuildStartNanos + " is negative");
        }
    }
}
