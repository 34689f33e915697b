package io.jvmm.devices.legacy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AcpiPowerDeviceTest {
    private final List<String> events = new ArrayList<>();
    private final AcpiPowerDevice dev = new AcpiPowerDevice(5, () -> events.add("off"), () -> events.add("reset"));

    @Test
    void linuxPowerOffSequenceEntersS5() {
        // acpi_hw_extended_sleep(): clear WAK_STS, then SLP_TYP 5 << 2 | SLP_EN.
        dev.write(AcpiPowerDevice.SLEEP_STATUS_REG, new byte[] {(byte) AcpiPowerDevice.ACPI_X_WAKE_STATUS});
        assertEquals(List.of(), events);
        dev.write(AcpiPowerDevice.SLEEP_CONTROL_REG, new byte[] {0x34});
        assertEquals(List.of("off"), events);
    }

    @Test
    void resetValueResets() {
        dev.write(AcpiPowerDevice.SLEEP_CONTROL_REG, new byte[] {1});
        assertEquals(List.of("reset"), events);
    }

    @Test
    void otherSleepTypesAndValuesAreIgnored() {
        dev.write(0, new byte[] {(byte) (3 << 2 | 0x20)});   // S3 with SLP_EN: not offered
        dev.write(0, new byte[] {(byte) (5 << 2)});          // S5 without SLP_EN
        dev.write(0, new byte[] {0x34, 0});                   // a word access
        dev.write(1, new byte[] {0x34});                      // the status register
        dev.write(0, new byte[] {2});
        assertEquals(List.of(), events);
    }

    @Test
    void readsAreZeroAndSleepTypeIsChecked() {
        byte[] b = {(byte) 0xff, (byte) 0xff};
        dev.read(1, b);
        assertArrayEquals(new byte[2], b);
        assertThrows(IllegalArgumentException.class, () -> new AcpiPowerDevice(8, () -> { }, () -> { }));
    }
}
