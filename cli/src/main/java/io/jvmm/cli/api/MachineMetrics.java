package io.jvmm.cli.api;

import io.jvmm.devices.virtio.VirtioCounters;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineListener;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A machine's counters for the metrics file, as JSON-ready maps (Firecracker writes its own per device
 * group; these are jvmm's):
 *
 * <pre>
 * {"exits_total": 5302,
 *  "exits": {"HLT": 12, "IO_IN": 310, "IO_OUT": 4870, "MMIO_READ": 60, "MMIO_WRITE": 50},
 *  "serial": {"output_bytes": 4210, "dropped_output_bytes": 0},
 *  "block": {"virtio-blk0": {"used_buffers": 211, "device_needs_reset": 0, ...}},
 *  "net": {...}, "rng": {...}}
 * </pre>
 *
 * Every virtio counter is listed (zero or not) so that a reader's schema does not change with the guest's
 * behaviour; an empty group means no such device.
 */
final class MachineMetrics {
    private final Machine machine;
    private final LongAdder outputBytes = new LongAdder();

    /** Counts the guest's console output from now on: create it before the machine starts. */
    MachineMetrics(Machine machine) {
        this.machine = machine;
        machine.addListener(new MachineListener() {
            @Override
            public void consoleOutput(byte[] data, int offset, int length) {
                outputBytes.add(length);
            }
        });
    }

    Map<String, Object> counters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exits_total", machine.exitCount());
        m.put("exits", machine.exitsByKind());
        Map<String, Long> serial = new LinkedHashMap<>();
        serial.put("output_bytes", outputBytes.sum());
        serial.put("dropped_output_bytes", machine.serial().droppedOutputBytes());
        m.put("serial", serial);
        Map<String, Map<String, Long>> block = new LinkedHashMap<>();
        Map<String, Map<String, Long>> net = new LinkedHashMap<>();
        Map<String, Map<String, Long>> rng = new LinkedHashMap<>();
        machine.virtioDeviceCounters().forEach((name, counters) -> {
            Map<String, Map<String, Long>> group = name.startsWith("virtio-blk") ? block
                    : name.startsWith("virtio-net") ? net : rng;
            group.put(name, snakeCase(counters));
        });
        m.put("block", block);
        m.put("net", net);
        m.put("rng", rng);
        return m;
    }

    private static Map<String, Long> snakeCase(VirtioCounters counters) {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.snapshot().forEach((k, v) -> m.put(k.name().toLowerCase(Locale.ROOT), v));
        return m;
    }
}
