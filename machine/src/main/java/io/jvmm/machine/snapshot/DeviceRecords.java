package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.devices.legacy.I8042State;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Device records as JSON, through Jackson's record support: a device's state record (e.g. {@code
 * I8042State}, {@code VirtioMmioState}) becomes an object with one field per component, byte arrays
 * base64. Reading is strict — every field present, none unknown, no number from a string or a fraction —
 * and then the device's own validating factory checks the values.
 */
public final class DeviceRecords {
    public static final String I8042 = "i8042";
    public static final String BOOT_TIMER = "boot-timer";
    public static final String VIRTIO_BLK = "virtio-blk";
    public static final String VIRTIO_NET = "virtio-net";
    public static final String VIRTIO_RNG = "virtio-rng";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private DeviceRecords() {
    }

    /**
     * Builds (and caches) the serializers of every device record type, which {@link #record} otherwise builds on
     * a snapshot's first use of each (Jackson's introspection of the record classes: ~40 ms of a first snapshot
     * in a VMM measured on the emulating hosts). For {@link StateFile#warmUp}.
     */
    static void warmUp() {
        for (Class<?> type : List.of(io.jvmm.devices.legacy.I8042State.class, io.jvmm.devices.legacy.BootTimerState.class,
                VirtioRecord.Block.class, VirtioRecord.Net.class, VirtioRecord.Rng.class)) {
            JSON.canSerialize(type);
        }
    }

    /**
     * Builds (and caches) the deserializers of every device record type, which {@link #read} otherwise builds
     * one after the other when a snapshot is restored. For {@link StateFile#warmUpRestore}.
     */
    static void warmUpReading() {
        for (Class<?> type : List.of(io.jvmm.devices.legacy.I8042State.class, io.jvmm.devices.legacy.BootTimerState.class,
                VirtioRecord.Block.class, VirtioRecord.Net.class, VirtioRecord.Rng.class)) {
            JSON.readerFor(type); // fetches the root deserializer eagerly (DeserializationFeature.EAGER_DESERIALIZER_FETCH)
        }
    }

    /**
     * A device record's state as written by an older minor version of the state file, brought up to this one
     * (the checksum has already been checked over the file as written):
     * <ul>
     *   <li>before 1.2 the i8042 had no keyboard: its record gains a keyboard at power-on, which is what the
     *       guest's controller had behind it (nothing a guest did could reach it).</li>
     * </ul>
     * Anything else is returned unchanged and checked by {@link #read} as usual.
     */
    static JsonNode upgrade(String kind, JsonNode state,
                                                           int minor) {
        if (minor < 2 && I8042.equals(kind) && state instanceof ObjectNode o
                && !o.has("keyboard")) {
            ObjectNode upgraded = o.deepCopy();
            upgraded.set("keyboard", JSON.valueToTree(I8042State.Keyboard.atPowerOn()));
            return upgraded;
        }
        return state;
    }

    /** {@code state} (a record) as the device record {@code name} of kind {@code kind}. */
    public static SnapshotState.DeviceRecord record(String name, String kind, Object state) {
        return new SnapshotState.DeviceRecord(name, kind, JSON.valueToTree(state));
    }

    /**
     * The record's state read as {@code type}; a missing, unknown or mistyped field is a
     * {@link SnapshotException} that starts with {@code where} and names the field's path.
     */
    public static <T> T read(SnapshotState.DeviceRecord record, Class<T> type, String where) {
        if (record.state() == null || !record.state().isObject()) {
            throw new SnapshotException(where + ": state: expected an object");
        }
        try {
            T value = JSON.treeToValue(record.state(), type);
            if (value == null) {
                throw new SnapshotException(where + ": state: expected an object");
            }
            return value;
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining());
            throw new SnapshotException(where + ": state" + path + ": " + oneLine(e.getOriginalMessage()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SnapshotException(where + ": state: " + oneLine(e.getMessage()));
        }
    }

    private static String oneLine(String s) {
        String line = s == null ? "invalid" : s.replaceAll("\\s+", " ").trim();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
