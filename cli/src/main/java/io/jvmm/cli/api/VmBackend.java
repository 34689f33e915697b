package io.jvmm.cli.api;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;

import java.io.IOException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What the API needs of a machine: build and start one from a spec, then pause, resume, stop and wait for
 * it. {@link KvmBackend} is the real one; tests use a fake, so the API's state machine is tested without KVM.
 */
interface VmBackend {
    /** Builds and starts the machine; a refusal (bad kernel, no /dev/kvm) is an exception whose message says why. */
    Running start(MachineSpec spec) throws Exception;

    /**
     * Builds the machine a snapshot holds and starts it running ({@code resume}) or paused; a refusal (a
     * file that is not a snapshot, a disk or TAP that cannot be opened) is an exception whose message says why.
     */
    Running restore(SnapshotFiles files, RestoreOptions options, boolean resume) throws Exception;

    /** A started machine. */
    interface Running extends AutoCloseable {
        MachineState state();

        /** Throws IllegalStateException naming the state when the machine is not running. */
        void pause();

        /** Throws IllegalStateException naming the state when the machine is not paused. */
        void resume();

        void stop(MachineExit reason);

        /**
         * Types Ctrl+Alt+Del on the guest's keyboard (the machine goes on; the guest decides what follows).
         * Throws IllegalStateException saying why the keys could not be sent.
         */
        void sendCtrlAltDel();

        /** The machine's end, or null when {@code timeout} passed first. */
        MachineExit awaitExit(Duration timeout) throws InterruptedException;

        /**
         * Puts the file {@code path} behind disk {@code index} (the spec's order) of the running or paused
         * machine; throws IllegalArgumentException or IllegalStateException saying why not (nothing changed).
         */
        void replaceDisk(int index, Path path);

        /**
         * Writes a full snapshot of the paused machine into {@code files} (it stays paused); throws
         * IllegalStateException unless paused, IOException when a file cannot be written.
         */
        Machine.SnapshotResult snapshot(SnapshotFiles files) throws IOException;

        /** Counters for the metrics file, as JSON-ready values. */
        Map<String, Object> counters();

        @Override
        void close();
    }
}
