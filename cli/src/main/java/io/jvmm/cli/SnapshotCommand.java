package io.jvmm.cli;

import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.VirtqueueState;
import io.jvmm.machine.snapshot.DeviceRecords;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.VirtioRecord;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.SnapshotFiles;
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
            String written;
            try {
                written = StateFile.writtenVersion(SnapshotFiles.in(dir));
            } catch (SnapshotException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            out.printf("snapshot %s (format %s; this jvmm writes %d.%d)%n", dir, written, StateFile.MAJOR, StateFile.MINOR);
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
                out.printf("  %s (%s): %s%n", d.name(), d.kind(), describe(d));
            }
            return 0;
        }

        /** A virtio device in words (back end, driver status, queue progress); other devices as their JSON. */
        private static String describe(SnapshotState.DeviceRecord d) {
            VirtioRecord r;
            try {
                r = switch (d.kind()) {
                    case DeviceRecords.VIRTIO_BLK -> DeviceRecords.read(d, VirtioRecord.Block.class, d.name());
                    case DeviceRecords.VIRTIO_NET -> DeviceRecords.read(d, VirtioRecord.Net.class, d.name());
                    case DeviceRecords.VIRTIO_RNG -> DeviceRecords.read(d, VirtioRecord.Rng.class, d.name());
                    default -> null;
                };
            } catch (SnapshotException e) {
                return e.getMessage();
            }
            if (r == null || r.transport() == null || r.transport().queues() == null) {
                return String.valueOf(d.state());
            }
            StringBuilder sb = new StringBuilder();
            switch (r) {
                case VirtioRecord.Block b -> sb.append(b.path()).append(" (").append(b.mode())
                        .append(b.overlay() != null && b.overlay().clusters() != null
                                ? ", " + b.overlay().clusters().stream().mapToLong(c -> c.length == 2 ? c[1] - c[0] + 1 : 0).sum()
                                  + " written 4 KiB clusters saved in " + b.overlay().file() : "")
                        .append(")");
                case VirtioRecord.Net n -> sb.append("TAP ").append(n.tap())
                        .append(n.device() != null ? ", MAC " + n.device().mac() : "");
                case VirtioRecord.Rng g -> sb.append("entropy from the host");
            }
            VirtioMmioState t = r.transport();
            sb.append("; slot ").append(r.slot()).append(", status 0x").append(Integer.toHexString(t.status()))
                    .append(t.activated() ? " (driver running)" : " (not activated)");
            for (int q = 0; q < t.queues().size(); q++) {
                VirtqueueState vq = t.queues().get(q);
                if (vq != null && (vq.ready() || vq.disabled())) {
                    sb.append(String.format("; queue %d: %d entries, next avail %d, next used %d", q, vq.size(),
                            vq.lastAvailIdx(), vq.nextUsedIdx()));
                }
            }
            return sb.toString();
        }
    }
}
