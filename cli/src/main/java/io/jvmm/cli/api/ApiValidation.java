package io.jvmm.cli.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jvmm.cli.api.ApiBodies.BootSource;
import io.jvmm.cli.api.ApiBodies.Drive;
import io.jvmm.cli.api.ApiBodies.MachineConfig;
import io.jvmm.cli.api.ApiBodies.NetworkInterface;
import io.jvmm.machine.MachineSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parsing and checking of request bodies: strict JSON (unknown fields, trailing data and quoted numbers
 * are refused), then each field's meaning. Everything here only reads; a refusal is an {@link ApiException}.
 */
final class ApiValidation {
    /** Firecracker's resource ids: letters, digits and underscores, at most 64. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    /** Firecracker's limit for vcpu_count. */
    static final int MAX_VCPUS = 32;

    static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // A field's JSON type must be the swagger's: no 3 for a path, no 1.5 or "2" for a count.
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .build();

    private ApiValidation() {
    }

    /** The body as {@code type}; malformed JSON, an unknown field or a wrong type is refused by name. */
    static <T> T parse(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new ApiException("The request body is empty; it must be a JSON object.");
        }
        T value;
        try {
            value = JSON.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ApiException("Unknown field '" + e.getPropertyName() + "'.");
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw new ApiException("Invalid request body: it must be a JSON object.");
            }
            throw new ApiException("Invalid value for field '" + e.getPath().getLast().getFieldName() + "': expected "
                    + expected(e.getTargetType()) + ".");
        } catch (JacksonException e) {
            throw new ApiException("Malformed JSON: " + firstLine(e.getOriginalMessage())
                    .replaceAll("\\s*\\(start marker at \\[Source.*", "") + ".");
        }
        if (value == null) {
            throw new ApiException("The request body is null; it must be a JSON object.");
        }
        return value;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another JSON type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a JSON object";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static <T> T require(T value, String field) {
        if (value == null) {
            throw new ApiException("Missing required field '" + field + "'.");
        }
        return value;
    }

    static void unsupported(JsonNode value, String field) {
        if (value != null && !value.isNull()) {
            throw new ApiException("'" + field + "' is not supported by jvmm.");
        }
    }

    static String id(String pathId, String bodyId, String field) {
        require(bodyId, field);
        if (!pathId.equals(bodyId)) {
            throw new ApiException("The id from the path does not match the id from the body!");
        }
        if (!ID.matcher(bodyId).matches()) {
            throw new ApiException("Invalid " + field + " '" + bodyId + "': use 1 to 64 letters, digits or underscores.");
        }
        return bodyId;
    }

    static void readableFile(String path, String field) {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p)) {
            throw new ApiException(field + " " + path + ": no such file (or not a regular file).");
        }
        if (!Files.isReadable(p)) {
            throw new ApiException(field + " " + path + ": permission denied.");
        }
    }

    static BootSource bootSource(String body) {
        BootSource b = parse(body, BootSource.class);
        readableFile(require(b.kernelImagePath(), "kernel_image_path"), "kernel_image_path");
        if (b.initrdPath() != null) {
            readableFile(b.initrdPath(), "initrd_path");
        }
        kernelFormat(b.jvmmKernelFormat());
        rawEntry(b.jvmmRawEntry());
        return b;
    }

    static Drive drive(String pathId, String body) {
        Drive d = parse(body, Drive.class);
        id(pathId, d.driveId(), "drive_id");
        require(d.isRootDevice(), "is_root_device");
        unsupported(d.rateLimiter(), "rate_limiter");
        unsupported(d.socket(), "socket (vhost-user block)");
        if (d.partuuid() != null) {
            throw new ApiException("'partuuid' is not supported by jvmm: the root device is always /dev/vda.");
        }
        readableFile(require(d.pathOnHost(), "path_on_host"), "path_on_host");
        if (d.cacheType() != null && !d.cacheType().equals("Unsafe") && !d.cacheType().equals("Writeback")) {
            throw new ApiException("Invalid cache_type '" + d.cacheType() + "': Unsafe or Writeback.");
        }
        if (d.ioEngine() != null && !d.ioEngine().equals("Sync") && !d.ioEngine().equals("Async")) {
            throw new ApiException("Invalid io_engine '" + d.ioEngine() + "': Sync or Async.");
        }
        return d;
    }

    /** A whole machine configuration (PUT, or a PATCH merged onto the current one). */
    static MachineConfig machineConfig(MachineConfig m) {
        int cpus = require(m.vcpuCount(), "vcpu_count");
        int mib = require(m.memSizeMib(), "mem_size_mib");
        if (cpus < 1 || cpus > MAX_VCPUS) {
            throw new ApiException("Invalid vcpu_count " + cpus + ": it must be between 1 and " + MAX_VCPUS + ".");
        }
        if (mib < 1) {
            throw new ApiException("Invalid mem_size_mib " + mib + ": it must be at least 1.");
        }
        if (Boolean.TRUE.equals(m.smt())) {
            throw new ApiException("'smt' is not supported by jvmm: every vCPU is its own core.");
        }
        if (Boolean.TRUE.equals(m.trackDirtyPages())) {
            throw new ApiException("'track_dirty_pages' is not supported by jvmm yet.");
        }
        if (m.hugePages() != null && !m.hugePages().equals("None")) {
            throw new ApiException("huge_pages '" + m.hugePages() + "' is not supported by jvmm (only None).");
        }
        if (m.cpuTemplate() != null && !m.cpuTemplate().equals("None")) {
            throw new ApiException("cpu_template '" + m.cpuTemplate() + "' is not supported by jvmm (only None).");
        }
        // The machine's own checks of the values (host RAM, page size), without a kernel yet.
        try {
            MachineSpec.builder().cpus(cpus).memoryBytes((long) mib << 20).build();
        } catch (io.jvmm.machine.MachineSpecException e) {
            if (!e.field().equals("kernel")) {
                throw new ApiException(e.getMessage());
            }
        }
        return new MachineConfig(cpus, mib, m.smt() != null ? m.smt() : false,
                m.trackDirtyPages() != null ? m.trackDirtyPages() : false,
                m.hugePages() != null ? m.hugePages() : "None", m.cpuTemplate());
    }

    /** PATCH: the given fields over {@code current}. */
    static MachineConfig merge(MachineConfig current, MachineConfig patch) {
        return new MachineConfig(
                patch.vcpuCount() != null ? patch.vcpuCount() : current.vcpuCount(),
                patch.memSizeMib() != null ? patch.memSizeMib() : current.memSizeMib(),
                patch.smt() != null ? patch.smt() : current.smt(),
                patch.trackDirtyPages() != null ? patch.trackDirtyPages() : current.trackDirtyPages(),
                patch.hugePages() != null ? patch.hugePages() : current.hugePages(),
                patch.cpuTemplate() != null ? patch.cpuTemplate() : current.cpuTemplate());
    }

    static NetworkInterface networkInterface(String pathId, String body) {
        NetworkInterface n = parse(body, NetworkInterface.class);
        id(pathId, n.ifaceId(), "iface_id");
        String tap = require(n.hostDevName(), "host_dev_name");
        if (tap.isEmpty() || tap.length() > 15) {
            throw new ApiException("Invalid host_dev_name '" + tap + "': 1 to 15 characters (IFNAMSIZ).");
        }
        if (n.guestMac() != null && !MAC.matcher(n.guestMac()).matches()) {
            throw new ApiException("Invalid guest_mac '" + n.guestMac() + "': six hex bytes, e.g. 06:00:ac:10:00:02.");
        }
        if (n.mtu() != null) {
            throw new ApiException("'mtu' is not supported by jvmm.");
        }
        unsupported(n.rxRateLimiter(), "rx_rate_limiter");
        unsupported(n.txRateLimiter(), "tx_rate_limiter");
        return n;
    }

    static MachineSpec.KernelFormat kernelFormat(String text) {
        if (text == null) {
            return MachineSpec.KernelFormat.AUTO;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> MachineSpec.KernelFormat.AUTO;
            case "bzimage" -> MachineSpec.KernelFormat.BZIMAGE;
            case "elf" -> MachineSpec.KernelFormat.ELF;
            case "raw" -> MachineSpec.KernelFormat.RAW;
            default -> throw new ApiException("Invalid jvmm_kernel_format '" + text + "': auto, bzimage, elf or raw.");
        };
    }

    static MachineSpec.RawEntry rawEntry(String text) {
        if (text == null) {
            return MachineSpec.RawEntry.DEFAULT;
        }
        int colon = text.indexOf(':');
        MachineSpec.RawEntry.Mode mode = colon < 0 ? null : switch (text.substring(0, colon)) {
            case "real" -> MachineSpec.RawEntry.Mode.REAL;
            case "long" -> MachineSpec.RawEntry.Mode.LONG;
            default -> null;
        };
        if (mode == null) {
            throw new ApiException("Invalid jvmm_raw_entry '" + text + "': real:ADDRESS or long:ADDRESS.");
        }
        String a = text.substring(colon + 1);
        try {
            long address = a.startsWith("0x") ? Long.parseUnsignedLong(a.substring(2), 16) : Long.parseLong(a);
            return new MachineSpec.RawEntry(mode, address);
        } catch (NumberFormatException e) {
            throw new ApiException("Invalid jvmm_raw_entry address '" + a + "' (e.g. 0x1000).");
        }
    }
}
