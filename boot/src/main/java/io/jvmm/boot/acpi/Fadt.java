package io.jvmm.boot.acpi;

import java.nio.ByteBuffer;

/**
 * The Fixed ACPI Description Table (ACPI 6.5 §5.2.9), revision 6, hardware-reduced: no PM1 event or
 * control blocks, no PM timer, no GPEs, no SCI. What the guest needs of the hardware model is three
 * registers, all in one I/O port device (Cloud Hypervisor's layout, port {@code pmPort}):
 *
 * <pre>
 *   SLEEP_CONTROL_REG  pmPort,     8 bits: SLP_TYP in bits 4-2, SLP_EN bit 5 (Linux: acpi_hw_extended_sleep)
 *   SLEEP_STATUS_REG   pmPort + 1, 8 bits: WAK_STS bit 7
 *   RESET_REG          pmPort,     8 bits, RESET_VALUE 1
 * </pre>
 * and the DSDT's {@code \_S5_} says S5 (soft off) is SLP_TYP {@link Dsdt#S5_SLP_TYP}.
 *
 * <pre>
 *  36 FIRMWARE_CTRL u32  40 DSDT u32 (0: X_DSDT)  45 Preferred_PM_Profile u8  46 SCI_INT u16 ...
 * 109 IAPC_BOOT_ARCH u16  112 Flags u32  116 RESET_REG GAS  128 RESET_VALUE u8  131 FADT Minor Version u8
 * 140 X_DSDT u64  244 SLEEP_CONTROL_REG GAS  256 SLEEP_STATUS_REG GAS  268 Hypervisor Vendor Identity u64
 * 276 end
 * </pre>
 */
public final class Fadt {
    private Fadt() {
    }

    public static final int SIZE = 276;
    public static final int REVISION = 6;
    public static final int MINOR_VERSION = 5;
    public static final int OFF_PREFERRED_PM_PROFILE = 45;
    public static final int OFF_IAPC_BOOT_ARCH = 109;
    public static final int OFF_FLAGS = 112;
    public static final int OFF_RESET_REG = 116;
    public static final int OFF_RESET_VALUE = 128;
    public static final int OFF_MINOR_VERSION = 131;
    public static final int OFF_X_DSDT = 140;
    public static final int OFF_SLEEP_CONTROL_REG = 244;
    public static final int OFF_SLEEP_STATUS_REG = 256;
    public static final int OFF_HYPERVISOR_VENDOR_IDENTITY = 268;

    /** Preferred_PM_Profile 0: unspecified. */
    public static final int PM_PROFILE_UNSPECIFIED = 0;
    // IAPC_BOOT_ARCH (Table 5.11)
    public static final int IAPC_8042 = 1 << 1;
    public static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
    public static final int IAPC_MSI_NOT_SUPPORTED = 1 << 3;
    public static final int IAPC_CMOS_RTC_NOT_PRESENT = 1 << 5;
    // Flags (Table 5.10)
    public static final int PWR_BUTTON = 1 << 4;
    public static final int SLP_BUTTON = 1 << 5;
    public static final int RESET_REG_SUP = 1 << 10;
    public static final int HW_REDUCED_ACPI = 1 << 20;
    /** What a write of RESET_VALUE to RESET_REG does: resets the machine. */
    public static final int RESET_VALUE = 1;

    /**
     * The FADT for a machine whose DSDT is at {@code dsdt} and whose sleep/reset registers start at
     * {@code pmPort}; {@code i8042} says whether the machine has a keyboard controller (IAPC_BOOT_ARCH 8042).
     */
    public static byte[] build(long dsdt, int pmPort, boolean i8042) {
        if (pmPort <= 0 || pmPort > 0xfffe) {
            throw new IllegalArgumentException("acpi: PM port 0x" + Integer.toHexString(pmPort) + " is not an I/O port pair");
        }
        ByteBuffer b = Sdt.start("FACP", SIZE, REVISION);
        b.position(OFF_PREFERRED_PM_PROFILE).put((byte) PM_PROFILE_UNSPECIFIED);
        b.position(OFF_IAPC_BOOT_ARCH).putShort((short) ((i8042 ? IAPC_8042 : 0) | IAPC_VGA_NOT_PRESENT
                | IAPC_MSI_NOT_SUPPORTED | IAPC_CMOS_RTC_NOT_PRESENT));
        b.position(OFF_FLAGS).putInt(PWR_BUTTON | SLP_BUTTON | RESET_REG_SUP | HW_REDUCED_ACPI);
        Sdt.putIoGas(b, pmPort, 8);
        b.put((byte) RESET_VALUE);
        b.position(OFF_MINOR_VERSION).put((byte) MINOR_VERSION);
        b.position(OFF_X_DSDT).putLong(dsdt);
        b.position(OFF_SLEEP_CONTROL_REG);
        Sdt.putIoGas(b, pmPort, 8);
        Sdt.putIoGas(b, pmPort + 1, 8);
        b.put("JVMM".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(new byte[4]); // Hypervisor Vendor Identity
        return Sdt.finish(b);
    }
}
