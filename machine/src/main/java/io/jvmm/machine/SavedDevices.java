package io.jvmm.machine;

import io.jvmm.devices.legacy.BootTimerState;
import io.jvmm.devices.legacy.I8042State;
import io.jvmm.devices.legacy.SerialState;
import io.jvmm.machine.snapshot.DeviceRecords;
import io.jvmm.machine.snapshot.SerialRecord;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.VirtioRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A snapshot's device records sorted by device, each read into its state record (shape checked here, values
 * by the device's restore factory): the UART, the i8042 and the boot timer by name, the virtio devices in
 * slot order. A state file of version 1.0 has only the UART's record; the i8042 and the boot timer then
 * come back as after reset.
 *
 * @param i8042     null when the file has no i8042 record
 * @param bootTimer a timer that has not fired when the file has no record for it
 */
record SavedDevices(SerialState serial, I8042State i8042, BootTimerState bootTimer, List<VirtioDevices.Saved> virtio) {
    /** A device name: it becomes part of file names (disk overlays) and thread-visible names. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    static SavedDevices of(SnapshotState state, String file) {
        SerialState serial = null;
        I8042State i8042 = null;
        BootTimerState bootTimer = new BootTimerState(false, 0, 0);
        List<VirtioDevices.Saved> virtio = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < state.devices().size(); i++) {
            SnapshotState.DeviceRecord d = state.devices().get(i);
            String where = file + ": devices[" + i + "] (" + d.name() + ")";
            if (!NAME.matcher(d.name()).matches()) {
                throw new SnapshotException(file + ": devices[" + i + "].name: '" + d.name()
                        + "' is not a device name (a-z, 0-9, -; at most 32)");
            }
            if (!names.add(d.name())) {
                throw new SnapshotException(where + ": a second record of that name");
            }
            switch (d.name()) {
                case Machine.SERIAL_NAME -> {
                    expectKind(d, SerialRecord.KIND, where);
                    serial = SerialRecord.fromJson(d.state(), where);
                }
                case Machine.I8042_NAME -> {
                    expectKind(d, DeviceRecords.I8042, where);
                    i8042 = DeviceRecords.read(d, I8042State.class, where);
                }
                case Machine.BOOT_TIMER_NAME -> {
                    expectKind(d, DeviceRecords.BOOT_TIMER, where);
                    bootTimer = DeviceRecords.read(d, BootTimerState.class, where);
                }
                default -> {
                    Class<? extends VirtioRecord> type = switch (d.kind()) {
                        case DeviceRecords.VIRTIO_BLK -> VirtioRecord.Block.class;
                        case DeviceRecords.VIRTIO_NET -> VirtioRecord.Net.class;
                        case DeviceRecords.VIRTIO_RNG -> VirtioRecord.Rng.class;
                        default -> throw new SnapshotException(where + ": kind \"" + d.kind()
                                + "\" is not one this jvmm can restore");
                    };
                    virtio.add(new VirtioDevices.Saved(d.name(), where, DeviceRecords.read(d, type, where)));
                }
            }
        }
        if (serial == null) {
            throw new SnapshotException(file + ": devices: no \"" + Machine.SERIAL_NAME + "\" record (every machine has a UART)");
        }
        return new SavedDevices(serial, i8042, bootTimer, virtio);
    }

    private static void expectKind(SnapshotState.DeviceRecord d, String kind, String where) {
        if (!d.kind().equals(kind)) {
            throw new SnapshotException(where + ": kind \"" + d.kind() + "\", expected \"" + kind + "\"");
        }
    }
}
