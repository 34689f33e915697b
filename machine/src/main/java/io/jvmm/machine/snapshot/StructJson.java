package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A kernel struct's bytes as JSON a person can read, and back, driven by the struct's {@code StructLayout}
 * (whose element names are the C field names): an integer field is a hex string ({@code "cr0": "0x80050033"}),
 * a byte array base64 ({@code "region": "AAAA..."}), an array of other elements a JSON array, a nested
 * struct an object. Fields named {@code pad*} are left out and written as zero.
 *
 * <p>Decoding treats the JSON as untrusted: every field must be there, no other field may be, and
 * each value must fit its C type; anything else is a {@link SnapshotException} naming the field path.
 */
final class StructJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F]{1,16}");

    private StructJson() {
    }

    /** The struct {@code layout} over {@code bytes} as a JSON object. */
    static ObjectNode encode(GroupLayout layout, byte[] bytes) {
        return (ObjectNode) encode(layout, MemorySegment.ofArray(bytes));
    }

    /** The bytes of struct {@code layout} that {@code node} describes; {@code where} prefixes errors. */
    static byte[] decode(GroupLayout layout, JsonNode node, String where) {
        byte[] bytes = new byte[(int) layout.byteSize()];
        decode(layout, node, MemorySegment.ofArray(bytes), where);
        return bytes;
    }

    private static JsonNode encode(MemoryLayout layout, MemorySegment seg) {
        return switch (layout) {
            case GroupLayout g -> {
                ObjectNode o = NODES.objectNode();
                for (MemoryLayout m : g.memberLayouts()) {
                    if (skipped(m)) {
                        continue;
                    }
                    long off = g.byteOffset(MemoryLayout.PathElement.groupElement(m.name().orElseThrow()));
                    o.set(m.name().get(), encode(m, seg.asSlice(off, m.byteSize())));
                }
                yield o;
            }
            case SequenceLayout s when s.elementLayout().byteSize() == 1 && s.elementLayout() instanceof ValueLayout ->
                    NODES.textNode(Base64.getEncoder().encodeToString(seg.toArray(ValueLayout.JAVA_BYTE)));
            case SequenceLayout s -> {
                ArrayNode a = NODES.arrayNode();
                long size = s.elementLayout().byteSize();
                for (long i = 0; i < s.elementCount(); i++) {
                    a.add(encode(s.elementLayout(), seg.asSlice(i * size, size)));
                }
                yield a;
            }
            case ValueLayout v -> NODES.textNode("0x" + Long.toHexString(read(seg, v.byteSize())));
            default -> throw new IllegalArgumentException("no JSON form for " + layout);
        };
    }

    private static void decode(MemoryLayout layout, JsonNode node, MemorySegment seg, String where) {
        switch (layout) {
            case GroupLayout g -> {
                if (node == null || !node.isObject()) {
                    throw new SnapshotException(where + ": expected an object");
                }
                List<String> expected = new ArrayList<>();
                for (MemoryLayout m : g.memberLayouts()) {
                    if (skipped(m)) {
                        continue;
                    }
                    String name = m.name().orElseThrow();
                    expected.add(name);
                    long off = g.byteOffset(MemoryLayout.PathElement.groupElement(name));
                    String path = where + "." + name;
                    if (!node.has(name)) {
                        throw new SnapshotException(path + ": missing");
                    }
                    decode(m, node.get(name), seg.asSlice(off, m.byteSize()), path);
                }
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    if (!expected.contains(name)) {
                        throw new SnapshotException(where + "." + name + ": unknown field");
                    }
                }
            }
            case SequenceLayout s when s.elementLayout().byteSize() == 1 && s.elementLayout() instanceof ValueLayout -> {
                if (node == null || !node.isTextual()) {
                    throw new SnapshotException(where + ": expected base64 text");
                }
                byte[] b;
                try {
                    b = Base64.getDecoder().decode(node.asText());
                } catch (IllegalArgumentException e) {
                    throw new SnapshotException(where + ": not base64: " + e.getMessage());
                }
                if (b.length != s.byteSize()) {
                    throw new SnapshotException(where + ": " + b.length + " bytes, expected " + s.byteSize());
                }
                MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
            }
            case SequenceLayout s -> {
                if (node == null || !node.isArray() || node.size() != s.elementCount()) {
                    throw new SnapshotException(where + ": expected an array of " + s.elementCount());
                }
                long size = s.elementLayout().byteSize();
                for (int i = 0; i < node.size(); i++) {
                    decode(s.elementLayout(), node.get(i), seg.asSlice(i * size, size), where + "[" + i + "]");
                }
            }
            case ValueLayout v -> write(seg, v.byteSize(), hex(node, v.byteSize(), where));
            default -> throw new IllegalArgumentException("no JSON form for " + layout);
        }
    }

    /** A hex string that fits in {@code bytes} bytes, as an unsigned value. */
    static long hex(JsonNode node, long bytes, String where) {
        if (node == null || !node.isTextual() || !HEX.matcher(node.asText()).matches()) {
            throw new SnapshotException(where + ": expected a hex number like \"0x1f\", got " + node);
        }
        long v = Long.parseUnsignedLong(node.asText().substring(2), 16);
        if (bytes < 8 && (v >>> (bytes * 8)) != 0) {
            throw new SnapshotException(where + ": " + node.asText() + " does not fit in " + bytes * 8 + " bits");
        }
        return v;
    }

    static JsonNode hex(long v) {
        return NODES.textNode("0x" + Long.toHexString(v));
    }

    private static boolean skipped(MemoryLayout m) {
        return m instanceof PaddingLayout || m.name().isEmpty() || m.name().get().startsWith("pad");
    }

    private static long read(MemorySegment seg, long size) {
        long v = 0;
        for (int i = (int) size - 1; i >= 0; i--) {
            v = (v << 8) | Byte.toUnsignedLong(seg.get(ValueLayout.JAVA_BYTE, i)); // x86: little-endian
        }
        return v;
    }

    private static void write(MemorySegment seg, long size, long v) {
        for (int i = 0; i < size; i++) {
            seg.set(ValueLayout.JAVA_BYTE, i, (byte) (v >>> (8 * i)));
        }
    }
}
