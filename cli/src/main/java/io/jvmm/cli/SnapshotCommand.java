package io.jvmm.cli;

import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.StateFile;
import io.jvmm.machine.snapshot.VcpuState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jvmm snapshot show DIR}: what a snapshot holds, for a person. */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Work with snapshots (jvmm run --snapshot-at).",
        subcommands = SnapshotCommand.Show.class)
final class SnapshotCommand implements Runnable {
    @Override
    public void run() {
        throw new UserError("jvmm snapshot: say what to do, e.g. 'jvmm snapshot show DIR'");
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print a snapshot's machine, each vCPU's mode and main registers, and its devices (state.json has them all).")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "The snapshot directory.")
        Path dir;

        @Override
        public Integer call() {
            SnapshotState s;
            try {
                s = StateFile.read(dir);
            } catch (SnapshotException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            var out = System.out;
            out.printf("snapshot %s (format %d.%d)%n", dir, StateFile.MAJOR, StateFile.MINOR);
            out.printf("machine: %d vCPU(s), %d MiB RAM, %s; %s%n", s.machine().cpus(), s.machine().memoryBytes() >> 20,
                    s.machine().irqchip() ? "in-kernel PIC/IOAPIC/LAPIC and PIT" : "no in-kernel irqchip", s.machine().summary());
            out.printf("  RAM %s (guest-physical start+size)%n", s.machine().describeRam());
            for (VcpuState v : s.vcpus()) {
                out.printf("vcpu %d: %s, rip 0x%x rsp 0x%x rflags 0x%x rax 0x%x; %d MSRs saved%n", v.id(), v.mode(),
                        v.reg("rip"), v.reg("rsp"), v.reg("rflags"), v.reg("rax"), v.msrs().size());
            }
            out.println(s.vm() != null ? "vm: PIC master/slave, IOAPIC, PIT, kvm-clock saved" : "vm: no VM-wide state (no irqchip)");
            out.println(s.devices().isEmpty() ? "devices: none saved" : "devices:");
            for (SnapshotState.DeviceRecord d : s.devices()) {
                out.printf("  %s (%s): %s%n", d.name(), d.kind(), d.state());
            }
            return 0;
        }
    }
}
