package io.jvmm.cli.bench;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.util.Map;

/**
 * The benchmark's JSON (the report, a child's --timings-json file, the OCI bundle's config.json), with
 * Jackson: maps, lists, strings, numbers, booleans and null, two-space indented. Doubles are written as the
 * report wants them: whole numbers without ".0", others rounded to 3 decimals, NaN and infinities as null
 * (JSON has no NaN). Read back, objects are insertion-ordered maps and whole numbers {@code Long}.
 */
public final class BenchJson {
    /** databind, loaded on first use only: {@link #writeStreaming} needs just jackson-core. */
    private static final class Databind {
        static final ObjectMapper JSON = JsonMapper.builder()
                .enable(DeserializationFeature.USE_LONG_FOR_INTS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .addModule(new SimpleModule("bench-doubles").addSerializer(Double.class, new DoubleSerializer()))
                .build();
    }

    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

    private BenchJson() {
    }

    /** {@code value} as indented JSON with a final newline. */
    public static String write(Object value) {
        try {
            return Databind.JSON.writer(PRETTY).writeValueAsString(value) + "\n";
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON-ready: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * {@code value} (maps, lists, strings, numbers, booleans, null) as indented JSON with a final newline, through
     * jackson-core's generator alone: a child {@code jvmm run --timings-json} writes its file as it exits, and
     * loading databind there (measured: ~0.3 s on an emulating host) would count in the exit time the
     * benchmark measures.
     */
    public static String writeStreaming(Object value) {
        java.io.StringWriter out = new java.io.StringWriter();
        try (JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            g.setPrettyPrinter(PRETTY);
            writeValue(g, value);
        } catch (IOException e) {
            throw new IllegalStateException("a StringWriter does not fail", e);
        }
        return out + "\n";
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Double d -> writeDouble(d, g);
            case Float f -> writeDouble(f.doubleValue(), g);
            case Number n -> g.writeNumber(n.longValue());
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case java.util.List<?> l -> {
                g.writeStartArray();
                for (Object x : l) {
                    writeValue(g, x);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("not JSON-ready: " + v.getClass().getName());
        }
    }

    /** One JSON object; a syntax error or another kind of value is an IllegalArgumentException saying where. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v;
        try {
            v = Databind.JSON.readValue(text, Object.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at offset " + e.getLocation().getCharOffset() : ""), e);
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("JSON: expected an object, got " + (v == null ? "null" : v.getClass().getSimpleName()));
        }
        return (Map<String, Object>) m;
    }

    private static final class DoubleSerializer extends StdSerializer<Double> {
        DoubleSerializer() {
            super(Double.class);
        }

        @Override
        public void serialize(Double d, JsonGenerator g, SerializerProvider p) throws IOException {
            writeDouble(d, g);
        }
    }

    private static void writeDouble(double d, JsonGenerator g) throws IOException {
        if (!Double.isFinite(d)) {
            g.writeNull();
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            g.writeNumber((long) d);
        } else {
            g.writeNumber(Math.round(d * 1000.0) / 1000.0);
        }
    }
}
