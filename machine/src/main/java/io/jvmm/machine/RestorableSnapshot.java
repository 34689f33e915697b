package io.jvmm.machine;

import io.jvmm.machine.snapshot.SnapshotFiles;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.StateFile;

/**
 * A snapshot read and checked once — its state file and every device record — that
 * {@link Machine#restore(Hypervisor, RestorableSnapshot, io.jvmm.machine.snapshot.RestoreOptions, java.io.OutputStream, long)}
 * restores any number of times: clones in one process, a service that restores the same snapshot again and
 * again, or a new process that reads the files on one thread while another opens KVM. Immutable; the files must
 * stay as they are (each restore checks the memory file's size again).
 */
public final class RestorableSnapshot {
    private final SnapshotFiles files;
    private final SnapshotState state;
    private final SavedDevices devices;

    private RestorableSnapshot(SnapshotFiles files, SnapshotState state, SavedDevices devices) {
        this.files = files;
        this.state = state;
        this.devices = devices;
    }

    /**
     * Reads and checks {@code files}' state file and device records.
     *
     * @throws io.jvmm.machine.snapshot.SnapshotException naming the file, record and field that cannot be restored
     */
    public static RestorableSnapshot read(SnapshotFiles files) {
        return of(files, StateFile.read(files));
    }

    /** As {@link #read}, from a state already read with {@link StateFile#read(SnapshotFiles)} of the same files. */
    public static RestorableSnapshot of(SnapshotFiles files, SnapshotState state) {
        return new RestorableSnapshot(files, state, SavedDevices.of(state, files.stateFile().toString()));
    }

    public SnapshotFiles files() {
        return files;
    }

    public SnapshotState state() {
        return state;
    }

    SavedDevices devices() {
        return devices;
    }
}
