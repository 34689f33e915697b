package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.legacy.Serial;
import io.jvmm.devices.legacy.SerialState;

import java.io.OutputStream;
import java.util.Base64;
import java.util.Set;

/**
 * The 16550A's {@link SerialState} as a device record of the state file, and back:
 * <pre>
 *   { "dll": "0x1", "dlm": "0x0", "ier": "0x5", "fcr": "0xc1", "lcr": "0x13", "mcr": "0xb", "scr": "0x0",
 *     "overrun": false, "thr_pending": false, "msr_deltas": "0x0", "rx_fifo": "base64" }
 * </pre>
 * Reading checks the JSON's shape here and the values with {@link Serial#restore}'s own validation.
 */
public final class SerialRecord {
    public static final String KIND = "16550A";
    private static final Set<String> FIELDS = Set.of("dll", "dlm", "ier", "fcr", "lcr", "mcr", "scr", "overrun",
            "thr_pending", "msr_deltas", "rx_fifo");

    private SerialRecord() {
    }

    /** {@code state} as the device record named {@code name}. */
    public static SnapshotState.DeviceRecord record(String name, SerialState state) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("dll", StructJson.hex(state.dll()));
        o.set("dlm", StructJson.hex(state.dlm()));
        o.set("ier", StructJson.hex(state.ier()));
        o.set("fcr", StructJson.hex(state.fcr()));
        o.set("lcr", StructJson.hex(state.lcr()));
        o.set("mcr", StructJson.hex(state.mcr()));
        o.set("scr", StructJson.hex(state.scr()));
        o.put("overrun", state.overrun());
        o.put("thr_pending", state.thrPending());
        o.set("msr_deltas", StructJson.hex(state.msrDeltas()));
        o.put("rx_fifo", Base64.getEncoder().encodeToString(state.rxFifo()));
        return new SnapshotState.DeviceRecord(name, KIND, o);
    }

    /** The record in {@code node}, checked as the UART would check it; {@code where} prefixes errors. */
    public static SerialState fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new SnapshotException(where + ": expected an object");
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new SnapshotException(where + "." + f + ": unknown field");
            }
        }
        byte[] fifo;
        JsonNode rx = node.get("rx_fifo");
        if (rx == null || !rx.isTextual()) {
            throw new SnapshotException(where + ".rx_fifo: expected base64 text");
        }
        try {
            fifo = Base64.getDecoder().decode(rx.asText());
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(where + ".rx_fifo: not base64: " + e.getMessage());
        }
        SerialState state = new SerialState(u8(node, "dll", where), u8(node, "dlm", where), u8(node, "ier", where),
                u8(node, "fcr", where), u8(node, "lcr", where), u8(node, "mcr", where), u8(node, "scr", where),
                bool(node, "overrun", where), bool(node, "thr_pending", where), u8(node, "msr_deltas", where), fifo);
        try {
            Serial.restore(state, InterruptLine.NONE, OutputStream.nullOutputStream()); // the device's own checks
        } catch (DeviceStateException e) {
            throw new SnapshotException(where + ": " + e.getMessage());
        }
        return state;
    }

    private static int u8(JsonNode node, String field, String where) {
        return (int) StructJson.hex(node.get(field), 1, where + "." + field);
    }

    private static boolean bool(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isBoolean()) {
            throw new SnapshotException(where + "." + field + ": expected true or false, got " + v);
        }
        return v.asBoolean();
    }
}
