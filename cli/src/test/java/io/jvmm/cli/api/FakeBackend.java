package io.jvmm.cli.api;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.machine.MachineSpec;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A machine without KVM: records the spec it was started with and follows MachineState's transitions. */
final class FakeBackend implements VmBackend {
    MachineSpec startedWith;
    String refuse;
    FakeVm vm;

    @Override
    public Running start(MachineSpec spec) {
        if (refuse != null) {
            throw new IllegalStateException(refuse);
        }
        startedWith = spec;
        vm = new FakeVm();
        return vm;
    }

    io.jvmm.machine.snapshot.SnapshotFiles restoredFrom;
    io.jvmm.machine.snapshot.RestoreOptions restoredWith;

    @Override
    public Running restore(io.jvmm.machine.snapshot.SnapshotFiles files, io.jvmm.machine.snapshot.RestoreOptions options,
                           boolean resume) {
        if (refuse != null) {
            throw new IllegalStateException(refuse);
        }
        restoredFrom = files;
        restoredWith = options;
        vm = new FakeVm();
        vm.state = resume ? MachineState.RUNNING : MachineState.PAUSED;
        return vm;
    }

    static final class FakeVm implements Running {
        volatile MachineState state = MachineState.RUNNING;
        final CompletableFuture<MachineExit> exit = new CompletableFuture<>();
        boolean closed;

        @Override
        public MachineState state() {
            return state;
        }

        @Override
        public synchronized void pause() {
            if (state != MachineState.RUNNING) {
                throw new IllegalStateException("cannot pause: the machine is " + state.words());
            }
            state = MachineState.PAUSED;
        }

        @Override
        public synchronized void resume() {
            if (state != MachineState.PAUSED) {
                throw new IllegalStateException("cannot resume: the machine is " + state.words());
            }
            state = MachineState.RUNNING;
        }

        @Override
        public void stop(MachineExit reason) {
            state = MachineState.STOPPED;
            exit.complete(reason);
        }

        int ctrlAltDels;
        String refuseCtrlAltDel;

        @Override
        public synchronized void sendCtrlAltDel() {
            if (refuseCtrlAltDel != null) {
                throw new IllegalStateException(refuseCtrlAltDel);
            }
            ctrlAltDels++;
        }

        @Override
        public MachineExit awaitExit(Duration timeout) throws InterruptedException {
            try {
                return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }

        final java.util.List<io.jvmm.machine.snapshot.SnapshotFiles> snapshots = new java.util.ArrayList<>();

        @Override
        public io.jvmm.machine.Machine.SnapshotResult snapshot(io.jvmm.machine.snapshot.SnapshotFiles files)
                throws java.io.IOException {
            if (state != MachineState.PAUSED) {
                throw new IllegalStateException("the microVM must be paused; it is " + state.words());
            }
            java.nio.file.Files.writeString(files.stateFile(), "state");
            java.nio.file.Files.writeString(files.memoryFile(), "memory");
            snapshots.add(files);
            return new io.jvmm.machine.Machine.SnapshotResult(files.dir(), 6, 6, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, Duration.ZERO);
        }

        final java.util.List<String> replacedDisks = new java.util.ArrayList<>();
        String refuseReplace;

        @Override
        public void replaceDisk(int index, java.nio.file.Path path) {
            if (refuseReplace != null) {
                throw new IllegalArgumentException(refuseReplace);
            }
            replacedDisks.add(index + "=" + path);
        }

        @Override
        public Map<String, Object> counters() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exits_total", 42L);
            return m;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
