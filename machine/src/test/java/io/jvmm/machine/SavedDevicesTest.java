package io.jvmm.machine;

import io.jvmm.devices.legacy.BootTimerState;
import io.jvmm.devices.legacy.SerialState;
import io.jvmm.machine.snapshot.DeviceRecords;
import io.jvmm.machine.snapshot.SerialRecord;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A state file's device records sorted by device: names, kinds and the UART's record are checked. */
class SavedDevicesTest {
    static final SnapshotState.DeviceRecord SERIAL = SerialRecord.record(Machine.SERIAL_NAME,
            new SerialState(0xc, 0, 0, 0, 0x13, 0, 0, false, false, 0, new byte[0]));
    static final SnapshotState.DeviceRecord TIMER = DeviceRecords.record(Machine.BOOT_TIMER_NAME,
            DeviceRecords.BOOT_TIMER, new BootTimerState(true, 5, 3));

    private static SavedDevices of(SnapshotState.DeviceRecord... records) {
        return SavedDevices.of(new SnapshotState(new SnapshotState.MachineConfig(1, true, List.of(), ""), List.of(), null,
                List.of(records)), "state.json");
    }

    @Test
    void aVersion10FileHasOnlyTheUart() {
        SavedDevices d = of(SERIAL);
        assertNull(d.i8042());
        assertFalse(d.bootTimer().fired());
        assertTrue(d.virtio().isEmpty());
        assertEquals(new BootTimerState(true, 5, 3), of(SERIAL, TIMER).bootTimer());
    }

    @Test
    void badNamesKindsAndAMissingUartAreOneLineEach() {
        assertRefused("devices[1].name: 'Bad/Name' is not a device name", SERIAL,
                new SnapshotState.DeviceRecord("Bad/Name", DeviceRecords.VIRTIO_RNG, SERIAL.state()));
        assertRefused("devices[1] (serial): a second record of that name", SERIAL, SERIAL);
        assertRefused("devices[1] (boot-timer): kind \"i8042\", expected \"boot-timer\"", SERIAL,
                new SnapshotState.DeviceRecord(Machine.BOOT_TIMER_NAME, DeviceRecords.I8042, TIMER.state()));
        assertRefused("devices[1] (floppy0): kind \"floppy\" is not one this jvmm can restore", SERIAL,
                new SnapshotState.DeviceRecord("floppy0", "floppy", TIMER.state()));
        assertRefused("devices: no \"serial\" record", TIMER);
    }

    private static void assertRefused(String expected, SnapshotState.DeviceRecord... records) {
        SnapshotException e = assertThrows(SnapshotException.class, () -> of(records));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
