package io.jvmm.cli.api;

import io.jvmm.cli.VmmSeccomp;
import io.jvmm.cli.console.ConsoleInput;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.HostStdin;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineListener;
import io.jvmm.machine.MachineSpec;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;

import java.io.FileDescriptor;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/** The real backend: a {@link Machine} on /dev/kvm, its console on {@code consoleOut} and this process's stdin. */
final class KvmBackend implements VmBackend {
    private final String kvmDevice;
    private final OutputStream consoleOut;
    private final long processStartNanos;
    private final Consumer<BootTimer.BootTime> bootTimer;
    private final boolean noSeccomp;

    /**
     * {@code bootTimer}: told the guest's boot time when it signals it (null: not reported);
     * {@code noSeccomp}: start the machine without the VMM's seccomp filter.
     */
    KvmBackend(String kvmDevice, OutputStream consoleOut, long processStartNanos, Consumer<BootTimer.BootTime> bootTimer,
            boolean noSeccomp) {
        this.kvmDevice = kvmDevice;
        this.consoleOut = consoleOut;
        this.processStartNanos = processStartNanos;
        this.bootTimer = bootTimer;
        this.noSeccomp = noSeccomp;
    }

    @Override
    public Running start(MachineSpec spec) throws Exception {
        Hypervisor hypervisor = Hypervisor.open(kvmDevice);
        Machine machine;
        try {
            machine = Machine.build(hypervisor, spec, consoleOut, processStartNanos);
        } catch (Exception | Error e) {
            hypervisor.close();
            throw e;
        }
        return run(machine, hypervisor, false);
    }

    @Override
    public Running restore(SnapshotFiles files, RestoreOptions options, boolean resume) throws Exception {
        Hypervisor hypervisor = Hypervisor.open(kvmDevice);
        Machine machine;
        try {
            machine = Machine.restore(hypervisor, files, options, consoleOut, processStartNanos);
        } catch (Exception | Error e) {
            hypervisor.close();
            throw e;
        }
        return run(machine, hypervisor, !resume);
    }

    /** Connects the console and starts {@code machine} (running, or parked before its first instruction). */
    private Running run(Machine machine, Hypervisor hypervisor, boolean paused) {
        Running running;
        try {
            running = running(machine, hypervisor);
            if (bootTimer != null) {
                machine.addListener(new MachineListener() {
                    @Override
                    public void bootTimerFired(BootTimer.BootTime time) {
                        bootTimer.accept(time);
                    }
                });
            }
            // stdin feeds the guest's console, as with Firecracker; a plain byte stream (no raw terminal mode).
            var serial = machine.serial();
            ConsoleInput input = new ConsoleInput(HostStdin.open(), serial::offerInput,
                    serial::inputSpace, false, () -> { });
            serial.onInputSpace(input::guestCanTakeMore);
            machine.addInput(input::stop); // the first thing the machine's teardown stops
            input.start();
            // The API socket, disks and TAPs are open: from here on the VMM needs none of the calls the filter refuses.
            VmmSeccomp.install(noSeccomp);
            if (paused) {
                machine.startPaused();
            } else {
                machine.start();
            }
        } catch (RuntimeException e) {   // IllegalStateException from the filter too: the API answers with its message
            machine.close();
            hypervisor.close();
            throw e;
        }
        return running;
    }

    /**
     * {@code machine} as the API sees it (call before the machine starts, so that the metrics count all its
     * console output); closing it closes the machine, then {@code hypervisor}.
     */
    static Running running(Machine machine, Hypervisor hypervisor) {
        MachineMetrics metrics = new MachineMetrics(machine);
        return new Running() {
            @Override
            public MachineState state() {
                return machine.state();
            }

            @Override
            public void pause() {
                machine.pause();
            }

            @Override
            public void resume() {
                machine.resume();
            }

            @Override
            public void stop(MachineExit reason) {
                machine.stop(reason);
            }

            @Override
            public MachineExit awaitExit(Duration timeout) throws InterruptedException {
                return machine.awaitExit(timeout);
            }

            @Override
            public void sendCtrlAltDel() {
                machine.sendCtrlAltDel();
            }

            @Override
            public Machine.SnapshotResult snapshot(SnapshotFiles files) throws java.io.IOException {
                if (machine.state() != MachineState.PAUSED) {
                    throw new IllegalStateException("the microVM must be paused (PATCH /vm {\"state\": \"Paused\"}) to"
                            + " snapshot it; it is " + machine.state().words());
                }
                return machine.snapshot(files, false);
            }

            @Override
            public void replaceDisk(int index, java.nio.file.Path path) {
                machine.replaceDisk(index, path);
            }

            @Override
            public Map<String, Object> counters() {
                return metrics.counters();
            }

            @Override
            public void close() {
                try {
                    machine.close();
                } finally {
                    hypervisor.close();
                }
            }
        };
    }
}
