package io.jvmm.cli.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The request and response bodies of Firecracker's API (src/firecracker/swagger/firecracker.yaml), as
 * records. Field names map to the swagger's snake_case names ({@code kernelImagePath} is
 * {@code kernel_image_path}); every field is boxed so that a missing required field is seen as null, and
 * a field jvmm does not implement (rate limiters, vhost-user sockets) is kept as a raw {@link JsonNode} only
 * so that {@link ApiValidation} can refuse it by name instead of Jackson calling it unknown.
 *
 * <p>jvmm's own additions carry a {@code jvmm_} prefix, so that no Firecracker client sends one by accident.
 */
final class ApiBodies {
    /** jackson-core alone, for the bodies written without the databind mapper. */
    private static final JsonFactory STREAMING = new JsonFactory();

    private ApiBodies() {
    }

    /**
     * {@code PUT /boot-source}. jvmm additions: {@code jvmm_kernel_format} (auto, bzimage, elf, raw; default
     * auto) and {@code jvmm_raw_entry} ({@code real:0x1000} or {@code long:0x100000}, for a raw kernel).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BootSource(String kernelImagePath, String bootArgs, String initrdPath, String jvmmKernelFormat,
                      String jvmmRawEntry) {
    }

    /** {@code PUT /drives/{drive_id}}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Drive(String driveId, Boolean isRootDevice, String pathOnHost, Boolean isReadOnly, String partuuid,
                 String cacheType, String ioEngine, JsonNode rateLimiter, JsonNode socket) {
    }

    /** {@code PATCH /drives/{drive_id}}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DrivePatch(String driveId, String pathOnHost, JsonNode rateLimiter) {
    }

    /** {@code GET | PUT | PATCH /machine-config}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MachineConfig(Integer vcpuCount, Integer memSizeMib, Boolean smt, Boolean trackDirtyPages,
                         String hugePages, String cpuTemplate) {
    }

    /** {@code PUT /network-interfaces/{iface_id}}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NetworkInterface(String ifaceId, String hostDevName, String guestMac, Integer mtu,
                            JsonNode rxRateLimiter, JsonNode txRateLimiter) {
    }

    /** {@code PUT /entropy}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entropy(JsonNode rateLimiter) {
    }

    /** {@code PUT /logger}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Logger(String logPath, String level, Boolean showLevel, Boolean showLogOrigin, String module) {
    }

    /** {@code PUT /metrics}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Metrics(String metricsPath) {
    }

    /** {@code PUT /snapshot/create}. */
    record SnapshotCreate(String snapshotPath, String memFilePath, String snapshotType) {
    }

    /** {@code PUT /snapshot/load}: {@code mem_backend}, or the older {@code mem_file_path}. */
    record SnapshotLoad(String snapshotPath, MemBackend memBackend, String memFilePath, Boolean enableDiffSnapshots,
                        Boolean trackDirtyPages, Boolean resumeVm, java.util.List<NetworkOverride> networkOverrides,
                        JsonNode vsockOverride) {
    }

    /** {@code mem_backend} of a snapshot load. */
    record MemBackend(String backendType, String backendPath) {
    }

    /** One of a snapshot load's {@code network_overrides}: the interface's new TAP. */
    record NetworkOverride(String ifaceId, String hostDevName) {
    }

    /** {@code PUT /actions}. */
    record Action(String actionType) {
    }

    /** {@code PATCH /vm}. */
    record VmState(String state) {
    }

    /**
     * {@code GET /}: written by jackson-core's generator, not the databind mapper, so that the first answer of a
     * new server does not wait for {@link ApiValidation#JSON} to be built and to introspect a record (tens of ms
     * of a cold start). The JSON is the mapper's, byte for byte (ApiBodiesTest).
     */
    record InstanceInfo(String appName, String id, String state, String vmmVersion) {
        String json() {
            StringWriter out = new StringWriter(128);
            try (JsonGenerator g = STREAMING.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("app_name", appName);
                g.writeStringField("id", id);
                g.writeStringField("state", state);
                g.writeStringField("vmm_version", vmmVersion);
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);   // a StringWriter does not fail
            }
            return out.toString();
        }
    }

    /** {@code GET /version}. */
    record Version(String firecrackerVersion) {
    }

    /** Every 4xx body. */
    record Fault(String faultMessage) {
    }
}
