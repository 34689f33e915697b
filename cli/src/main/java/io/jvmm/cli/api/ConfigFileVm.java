package io.jvmm.cli.api;

import io.jvmm.cli.UserError;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code jvmm run --config-file F}: the machine a Firecracker config file describes, built through the same
 * {@link Vmm#applyConfigFile} as {@code jvmm serve --no-api --config-file F} (the same checks, messages,
 * logger and metrics), but not started: {@code jvmm run} starts and runs it with its own console handling.
 * Loads Jackson (not Jetty); a plain {@code jvmm run} never loads this class.
 */
public final class ConfigFileVm implements AutoCloseable {
    private final Vmm vmm;
    private final Machine machine;

    private ConfigFileVm(Vmm vmm, Machine machine) {
        this.vmm = vmm;
        this.machine = machine;
    }

    /**
     * Reads and applies {@code file}; a refusal is a one-line {@link UserError} naming the file and the key
     * ("--config-file vm.json: boot-source: kernel_image_path /x: no such file ...").
     */
    public static ConfigFileVm build(Path file, String kvmDevice, OutputStream consoleOut, long processStartNanos) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserError("--config-file " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        Machine[] built = new Machine[1];
        VmBackend buildOnly = new VmBackend() {
            @Override
            public Running start(io.jvmm.machine.MachineSpec spec) {
                Hypervisor hypervisor = Hypervisor.open(kvmDevice);
                try {
                    built[0] = Machine.build(hypervisor, spec, consoleOut, processStartNanos);
                } catch (IOException e) {
                    hypervisor.close();
                    throw new java.io.UncheckedIOException(e.getMessage(), e);
                } catch (RuntimeException | Error e) {
                    hypervisor.close();
                    throw e;
                }
                return KvmBackend.running(built[0], hypervisor);
            }

            @Override
            public Running restore(io.jvmm.machine.snapshot.SnapshotFiles files,
                                   io.jvmm.machine.snapshot.RestoreOptions options, boolean resume) {
                // applyConfigFile only configures and starts: a config file has no snapshot key.
                throw new IllegalStateException("a config file does not load snapshots");
            }
        };
        Vmm vmm = new Vmm(ServeCommand.DEFAULT_ID, ServeCommand.version(), buildOnly);
        try {
            vmm.applyConfigFile(text);
        } catch (ApiException e) {
            vmm.close();
            throw new UserError("--config-file " + file + ": " + e.getMessage());
        }
        return new ConfigFileVm(vmm, built[0]);
    }

    /** The machine, built but not started. */
    public Machine machine() {
        return machine;
    }

    /** Writes the metrics file one last time (if the file asked for one), then closes the machine. */
    @Override
    public void close() {
        vmm.close();
    }
}
