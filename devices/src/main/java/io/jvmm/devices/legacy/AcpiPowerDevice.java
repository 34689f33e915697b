package io.jvmm.devices.legacy;

import io.jvmm.core.bus.BusDevice;

/**
 * The registers a hardware-reduced ACPI machine powers off and resets through (ACPI 6.5 §4.8.3.7, "Sleep
 * Control and Status Registers"; §4.8.3.6, "Reset Register"), two I/O ports as Cloud Hypervisor lays them
 * out. The FADT names them (io.jvmm.boot.acpi.Fadt); the DSDT's {@code \_S5} names the sleep type of soft-off.
 *
 * <pre>
 * offset  FADT register        write                                          read
 *   0     SLEEP_CONTROL_REG    SLP_EN (bit 5) with SLP_TYP (bits 4-2) = S5:    0
 *         RESET_REG            power off; RESET_VALUE (1): reset
 *   1     SLEEP_STATUS_REG     WAK_STS (bit 7), write-1-to-clear: ignored      0 (never woken)
 * </pre>
 * Linux's acpi_hw_extended_sleep() (drivers/acpi/acpica/hwesleep.c) first writes ACPI_X_WAKE_STATUS to the
 * status register, then {@code (SLP_TYP << ACPI_X_SLEEP_TYPE_POSITION) | ACPI_X_SLEEP_ENABLE} to the
 * control register; its acpi_reset() writes RESET_VALUE to RESET_REG. Other sleep types (S1-S4) are not
 * offered by the DSDT and are ignored, as is every other value. The callbacks run on the writing vCPU's
 * thread and may run more than once (a guest may repeat the write): they must be idempotent.
 */
public final class AcpiPowerDevice implements BusDevice {
    /** Ports decoded from the base. */
    public static final int PORT_COUNT = 2;
    static final int SLEEP_CONTROL_REG = 0;
    static final int SLEEP_STATUS_REG = 1;
    /** Names from include/acpi/actbl.h. */
    static final int ACPI_X_WAKE_STATUS = 0x80;
    static final int ACPI_X_SLEEP_TYPE_MASK = 0x1c;
    static final int ACPI_X_SLEEP_TYPE_POSITION = 2;
    static final int ACPI_X_SLEEP_ENABLE = 0x20;
    /** RESET_VALUE in the FADT. */
    public static final int RESET_VALUE = 1;

    private final int s5SleepType;
    private final Runnable powerOff;
    private final Runnable reset;

    /**
     * @param s5SleepType the SLP_TYP the DSDT's {@code \_S5} package names
     * @param powerOff    the guest entered S5 (soft off)
     * @param reset       the guest wrote RESET_VALUE to the reset register
     */
    public AcpiPowerDevice(int s5SleepType, Runnable powerOff, Runnable reset) {
        if (s5SleepType < 0 || s5SleepType > 7) {
            throw new IllegalArgumentException("SLP_TYP " + s5SleepType + " does not fit its 3 bits");
        }
        this.s5SleepType = s5SleepType;
        this.powerOff = powerOff;
        this.reset = reset;
    }

    @Override
    public void read(long offset, byte[] data) {
        java.util.Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset != SLEEP_CONTROL_REG || data.length != 1) {
            return; // SLEEP_STATUS_REG: nothing to clear; wider accesses are not what the FADT's GAS says
        }
        int v = data[0] & 0xff;
        if (v == RESET_VALUE) {
            reset.run();
        } else if ((v & ACPI_X_SLEEP_ENABLE) != 0
                && (v & ACPI_X_SLEEP_TYPE_MASK) >>> ACPI_X_SLEEP_TYPE_POSITION == s5SleepType) {
            powerOff.run();
        }
    }

    @Override
    public Register describe(long offset, boolean write, byte[] data) {
        if (offset == SLEEP_STATUS_REG) {
            return new Register("SLEEP_STATUS_REG", write ? "clear wake status" : "");
        }
        if (offset != SLEEP_CONTROL_REG) {
            return null;
        }
        if (!write || data.length != 1) {
            return new Register("SLEEP_CONTROL_REG", "");
        }
        int v = data[0] & 0xff;
        if (v == RESET_VALUE) {
            return new Register("RESET_REG", "reset");
        }
        return new Register("SLEEP_CONTROL_REG", "SLP_TYP " + ((v & ACPI_X_SLEEP_TYPE_MASK) >>> ACPI_X_SLEEP_TYPE_POSITION)
                + ((v & ACPI_X_SLEEP_ENABLE) != 0 ? " SLP_EN" : ""));
    }
}
