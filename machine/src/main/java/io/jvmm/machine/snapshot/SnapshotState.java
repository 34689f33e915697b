package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.core.vm.VirtualMachine;

import java.util.List;

/**
 * Everything a snapshot holds besides guest memory: what to build, each vCPU's state, the VM-wide
 * state and each device's record. Written as {@code state.json} by {@link StateFile}.
 *
 * @param vm      null when the machine has no in-kernel irqchip
 * @param devices one record per device (see {@link DeviceRecord})
 */
public record SnapshotState(MachineConfig machine, List<VcpuState> vcpus, VmState vm, List<DeviceRecord> devices) {
    public SnapshotState {
        vcpus = List.copyOf(vcpus);
        devices = List.copyOf(devices);
    }

    /**
     * What the restored machine is built of.
     *
     * @param ram     the RAM regions, in address order, stored one after the other in the memory file
     * @param summary for people: what the machine ran (kernel, command line), not used by restore
     */
    public record MachineConfig(int cpus, boolean irqchip, List<VirtualMachine.RamRegion> ram, String summary) {
        public MachineConfig {
            ram = List.copyOf(ram);
        }

        /** The regions for a person: "0x0+0x10000000, ...". */
        public String describeRam() {
            return String.join(", ", ram.stream().map(r -> r.start() + "+0x" + Long.toHexString(r.size())).toList());
        }

        /** Bytes of guest RAM, the memory file's size. */
        public long memoryBytes() {
            return ram.stream().mapToLong(VirtualMachine.RamRegion::size).sum();
        }
    }

    /**
     * One device's saved state: the place where device records plug in. {@code kind} says which
     * device's validating factory reads {@code state} ("16550A", "i8042", "virtio-mmio" ...); a kind this
     * jvmm does not know is refused at restore.
     */
    public record DeviceRecord(String name, String kind, JsonNode state) {
    }
}
