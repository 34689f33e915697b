package io.jvmm.cli.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.cli.api.ApiBodies.Action;
import io.jvmm.cli.api.ApiBodies.Drive;
import io.jvmm.cli.api.ApiBodies.DrivePatch;
import io.jvmm.cli.api.ApiBodies.Entropy;
import io.jvmm.cli.api.ApiBodies.Fault;
import io.jvmm.cli.api.ApiBodies.InstanceInfo;
import io.jvmm.cli.api.ApiBodies.Logger;
import io.jvmm.cli.api.ApiBodies.MachineConfig;
import io.jvmm.cli.api.ApiBodies.Metrics;
import io.jvmm.cli.api.ApiBodies.SnapshotCreate;
import io.jvmm.cli.api.ApiBodies.SnapshotLoad;
import io.jvmm.cli.api.ApiBodies.Version;
import io.jvmm.cli.api.ApiBodies.VmState;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.machine.MachineSpecException;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The Firecracker API's state machine, without HTTP: {@link #handle} takes a method, a path and a body and
 * returns the status and JSON to answer. Requests are handled one at a time (as Firecracker's single API
 * thread does); each is checked whole before anything changes, so a refused request changes nothing.
 *
 * <pre>
 *   Not started ──InstanceStart──► Running ◄──PATCH /vm Resumed── Paused
 *     (PUT config)                    └────PATCH /vm Paused────────►┘
 *                                   guest poweroff/reboot (SendCtrlAltDel asks the guest for one) ──► the process ends
 * </pre>
 */
final class Vmm {
    static final String APP_NAME = "Firecracker";

    /** One answer: 200 with JSON, 204 without a body, or 400 with a fault message. */
    record Reply(int status, String json) {
        static final Reply NO_CONTENT = new Reply(204, null);
    }

    /** Parts of Firecracker's API jvmm does not implement: first path segment → what to call it. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "balloon", "The balloon device",
            "mmds", "MMDS (the microVM metadata service)",
            "vsock", "vsock",
            "cpu-config", "Custom CPU templates (cpu-config)",
            "pmem", "virtio-pmem",
            "hotplug", "Device hotplug",
            "serial", "Serial configuration");

    private final String id;
    private final String version;
    private final VmBackend backend;
    private final CompletableFuture<VmBackend.Running> started = new CompletableFuture<>();
    private VmConfig config = VmConfig.empty();
    private volatile VmBackend.Running running;
    private MetricsFile metrics;

    Vmm(String id, String version, VmBackend backend) {
        this.id = id;
        this.version = version;
        this.backend = backend;
    }

    /** The configuration as accepted so far. */
    synchronized VmConfig config() {
        return config;
    }

    /** Answers one request; never throws (an unexpected failure is a 400 naming it, the VMM keeps going). */
    synchronized Reply handle(String method, String path, String body) {
        try {
            return route(method, path, body);
        } catch (ApiException e) {
            return fault(e.getMessage());
        } catch (RuntimeException e) {
            return fault("Internal error: " + e);
        }
    }

    static Reply fault(String message) {
        return new Reply(400, write(new Fault(message)));
    }

    private Reply route(String method, String path, String body) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String[] seg = p.equals("/") ? new String[0] : p.substring(1).split("/", -1);
        if (seg.length > 0 && UNSUPPORTED.containsKey(seg[0])) {
            throw new ApiException(UNSUPPORTED.get(seg[0]) + " is not supported by jvmm.");
        }
        String resource = seg.length == 0 ? "" : seg[0];
        String sub = seg.length == 2 ? seg[1] : null;
        if (seg.length > 2 || (sub != null && !List.of("drives", "network-interfaces", "vm", "snapshot").contains(resource))) {
            throw new ApiException("Invalid request: no resource " + path + ".");
        }
        return switch (method + " " + resource + (sub == null ? "" : "/*")) {
            case "GET " -> new Reply(200, new InstanceInfo(APP_NAME, id, stateName(), version).json());
            case "GET version" -> json(new Version(version));
            case "GET vm/*" -> {
                if (!sub.equals("config")) {
                    throw new ApiException("Invalid request: no resource " + path + ".");
                }
                yield new Reply(200, write(config.toJson(ApiValidation.JSON)));
            }
            case "GET machine-config" -> json(config.machineConfig());
            case "PUT boot-source" -> {
                var b = ApiValidation.bootSource(body);
                beforeBoot();
                config = config.withBootSource(b);
                yield Reply.NO_CONTENT;
            }
            case "PUT drives/*" -> {
                var d = ApiValidation.drive(sub, body);
                beforeBoot();
                if (Boolean.TRUE.equals(d.isRootDevice()) && config.drives().values().stream()
                        .anyMatch(o -> Boolean.TRUE.equals(o.isRootDevice()) && !o.driveId().equals(d.driveId()))) {
                    throw new ApiException("A root block device already exists!");
                }
                config = config.withDrive(d);
                yield Reply.NO_CONTENT;
            }
            case "PATCH drives/*" -> {
                var d = ApiValidation.parse(body, DrivePatch.class);
                ApiValidation.id(sub, d.driveId(), "drive_id");
                ApiValidation.unsupported(d.rateLimiter(), "rate_limiter");
                String newPath = ApiValidation.require(d.pathOnHost(), "path_on_host");
                Drive old = config.drives().get(d.driveId());
                if (old == null) {
                    throw new ApiException("Invalid block device ID: no drive '" + d.driveId() + "' (PUT /drives/"
                            + d.driveId() + " first).");
                }
                ApiValidation.readableFile(newPath, "path_on_host");
                if (running != null) {
                    // Firecracker swaps the backing file of the live device; jvmm pauses the vCPUs and the
                    // I/O thread around the swap and tells the guest a new size (a config change interrupt).
                    try {
                        running.replaceDisk(config.diskOrder().indexOf(d.driveId()), Path.of(newPath));
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        throw new ApiException("Cannot update drive '" + d.driveId() + "': " + e.getMessage());
                    }
                }
                config = config.withDrive(new Drive(old.driveId(), old.isRootDevice(), newPath, old.isReadOnly(),
                        old.partuuid(), old.cacheType(), old.ioEngine(), old.rateLimiter(), old.socket()));
                yield Reply.NO_CONTENT;
            }
            case "PUT machine-config" -> {
                var m = ApiValidation.machineConfig(ApiValidation.parse(body, MachineConfig.class));
                beforeBoot();
                config = config.withMachineConfig(m);
                yield Reply.NO_CONTENT;
            }
            case "PATCH machine-config" -> {
                var m = ApiValidation.machineConfig(ApiValidation.merge(config.machineConfig(),
                        ApiValidation.parse(body, MachineConfig.class)));
                beforeBoot();
                config = config.withMachineConfig(m);
                yield Reply.NO_CONTENT;
            }
            case "PUT network-interfaces/*" -> {
                var n = ApiValidation.networkInterface(sub, body);
                beforeBoot();
                config = config.withNetworkInterface(n);
                yield Reply.NO_CONTENT;
            }
            case "PATCH network-interfaces/*" -> {
                ApiValidation.parse(body, JsonNode.class);
                throw new ApiException("Network interface rate limiters are not supported by jvmm.");
            }
            case "PUT entropy" -> {
                var e = ApiValidation.parse(body, Entropy.class);
                ApiValidation.unsupported(e.rateLimiter(), "rate_limiter");
                beforeBoot();
                config = config.withEntropy(e);
                yield Reply.NO_CONTENT;
            }
            case "PUT logger" -> {
                var l = ApiValidation.parse(body, Logger.class);
                if (l.module() != null) {
                    throw new ApiException("'module' is not supported by jvmm.");
                }
                beforeBoot();
                LogTarget.apply(l.level(), l.logPath(), Boolean.TRUE.equals(l.showLevel()), Boolean.TRUE.equals(l.showLogOrigin()));
                config = config.withLogger(l);
                yield Reply.NO_CONTENT;
            }
            case "PUT metrics" -> {
                var m = ApiValidation.parse(body, Metrics.class);
                String mp = ApiValidation.require(m.metricsPath(), "metrics_path");
                if (metrics != null) {
                    throw new ApiException("Reinitialization of metrics not allowed.");
                }
                beforeBoot();
                try {
                    metrics = new MetricsFile(Path.of(mp), this::counters);
                } catch (IOException e) {
                    throw new ApiException("Cannot open metrics_path " + mp + ": " + e.getMessage());
                }
                config = config.withMetrics(m);
                yield Reply.NO_CONTENT;
            }
            case "PUT actions" -> action(ApiValidation.parse(body, Action.class));
            case "PUT snapshot/*" -> switch (sub) {
                case "create" -> snapshotCreate(ApiValidation.parse(body, SnapshotCreate.class));
                case "load" -> snapshotLoad(ApiValidation.parse(body, SnapshotLoad.class));
                default -> throw new ApiException("Invalid request: no resource " + path + ".");
            };
            case "PATCH vm/*" -> throw new ApiException("Invalid request: no resource " + path + ".");
            case "PATCH vm" -> vmState(ApiValidation.parse(body, VmState.class));
            default -> {
                if (List.of("", "version", "vm", "machine-config", "boot-source", "drives", "network-interfaces", "entropy",
                        "logger", "metrics", "actions", "snapshot").contains(resource)) {
                    throw new ApiException("Invalid request method " + method + " for " + path + ".");
                }
                throw new ApiException("Invalid request: no resource " + path + ".");
            }
        };
    }

    private Reply action(Action a) {
        switch (ApiValidation.require(a.actionType(), "action_type")) {
            case "InstanceStart" -> {
                beforeBoot();
                if (config.bootSource() == null) {
                    throw new ApiException("Cannot start the microVM without a boot source (PUT /boot-source first).");
                }
                VmBackend.Running r;
                try {
                    r = backend.start(config.specBuilder().build());
                } catch (MachineSpecException e) {
                    throw new ApiException("Cannot start the microVM: " + e.getMessage());
                } catch (Exception e) {
                    throw new ApiException("Cannot start the microVM: " + e.getMessage());
                }
                running = r;
                started.complete(r);
            }
            case "SendCtrlAltDel" -> {
                afterBoot();
                // As Firecracker: Ctrl+Alt+Del is typed on the i8042's keyboard and the guest decides what
                // follows. A Linux guest restarts (after its init's shutdown when init asked for the keys), the
                // restart resets through the i8042, and the process then ends with status 0.
                try {
                    running.sendCtrlAltDel();
                } catch (IllegalStateException e) {
                    throw new ApiException(e.getMessage());
                }
            }
            case "FlushMetrics" -> {
                if (metrics == null) {
                    throw new ApiException("The metrics system is not initialized (PUT /metrics first).");
                }
                try {
                    metrics.flush();
                } catch (IOException e) {
                    throw new ApiException("Writing metrics to " + metrics.path() + ": " + e.getMessage());
                }
            }
            default -> throw new ApiException("Invalid action_type '" + a.actionType()
                    + "': InstanceStart, SendCtrlAltDel or FlushMetrics.");
        }
        return Reply.NO_CONTENT;
    }

    /** Where jvmm keeps the API's view of a snapshot's VM (its configuration, iface ids): beside the state file. */
    static Path sidecar(Path snapshotPath) {
        return snapshotPath.resolveSibling(snapshotPath.getFileName() + ".fc.json");
    }

    /**
     * {@code PUT /snapshot/create}: a full snapshot of the paused VM into snapshot_path (jvmm's state file) and
     * mem_file_path, and the configuration into {@link #sidecar} (for the iface ids of a later load).
     */
    private Reply snapshotCreate(SnapshotCreate c) {
        Path state = Path.of(ApiValidation.require(c.snapshotPath(), "snapshot_path"));
        Path mem = Path.of(ApiValidation.require(c.memFilePath(), "mem_file_path"));
        if (c.snapshotType() != null && !c.snapshotType().equals("Full")) {
            throw new ApiException("snapshot_type '" + c.snapshotType() + "' is not supported by jvmm (only Full).");
        }
        if (state.toAbsolutePath().normalize().equals(mem.toAbsolutePath().normalize())) {
            throw new ApiException("snapshot_path and mem_file_path must be two files.");
        }
        afterBoot();
        try {
            var r = running.snapshot(new SnapshotFiles(state, mem));
            java.nio.file.Files.writeString(sidecar(state), write(config.toJson(ApiValidation.JSON)) + "\n");
            org.slf4j.LoggerFactory.getLogger(Vmm.class).info("snapshot {} + {}: {} ms, memory file {} MiB ({} MiB data)",
                    state, mem, r.total().toMillis(), r.memoryBytes() >> 20, r.memoryDataBytes() >> 20);
        } catch (IllegalStateException | IOException e) {
            throw new ApiException("Cannot create the snapshot: " + e.getMessage());
        }
        return Reply.NO_CONTENT;
    }

    /**
     * {@code PUT /snapshot/load}, before anything is configured: the VM of the snapshot, running (resume_vm) or
     * paused. network_overrides name interfaces by iface_id: their place comes from the {@link #sidecar}.
     */
    private Reply snapshotLoad(SnapshotLoad l) {
        Path state = Path.of(ApiValidation.require(l.snapshotPath(), "snapshot_path"));
        String memField;
        String mem;
        if (l.memBackend() != null && l.memFilePath() != null) {
            throw new ApiException("Either mem_backend or mem_file_path, not both.");
        } else if (l.memBackend() != null) {
            String type = ApiValidation.require(l.memBackend().backendType(), "mem_backend.backend_type");
            if (type.equals("Uffd")) {
                throw new ApiException("mem_backend Uffd is not supported by jvmm (only File).");
            } else if (!type.equals("File")) {
                throw new ApiException("Invalid backend_type '" + type + "': File or Uffd.");
            }
            memField = "mem_backend.backend_path";
            mem = ApiValidation.require(l.memBackend().backendPath(), memField);
        } else {
            memField = "mem_file_path";
            mem = ApiValidation.require(l.memFilePath(), "mem_backend' or 'mem_file_path");
        }
        if (Boolean.TRUE.equals(l.enableDiffSnapshots()) || Boolean.TRUE.equals(l.trackDirtyPages())) {
            throw new ApiException("Diff snapshots and dirty page tracking are not supported by jvmm.");
        }
        ApiValidation.unsupported(l.vsockOverride(), "vsock_override");
        Map<String, String> overrides = new java.util.LinkedHashMap<>();
        for (var o : l.networkOverrides() == null ? List.<ApiBodies.NetworkOverride>of() : l.networkOverrides()) {
            if (o == null) {
                throw new ApiException("Invalid network_overrides: an entry is null.");
            }
            String id = ApiValidation.require(o.ifaceId(), "network_overrides[].iface_id");
            String tap = ApiValidation.require(o.hostDevName(), "network_overrides[].host_dev_name");
            if (tap.isEmpty() || tap.length() > 15) {
                throw new ApiException("Invalid host_dev_name '" + tap + "': 1 to 15 characters (IFNAMSIZ).");
            }
            if (overrides.put(id, tap) != null) {
                throw new ApiException("Invalid network_overrides: iface_id '" + id + "' is given twice.");
            }
        }
        beforeBoot();
        if (config.bootSource() != null || !config.drives().isEmpty() || !config.networkInterfaces().isEmpty()
                || config.entropy() != null || !config.machineConfig().equals(VmConfig.DEFAULT_MACHINE)) {
            throw new ApiException("Loading a microVM snapshot not allowed after configuring boot-specific resources.");
        }
        ApiValidation.readableFile(state.toString(), "snapshot_path");
        ApiValidation.readableFile(mem, memField);
        VmConfig saved = readSidecar(state);
        List<String> taps = new java.util.ArrayList<>();
        if (!overrides.isEmpty()) {
            if (saved == null) {
                throw new ApiException("network_overrides need " + sidecar(state) + " (written beside the snapshot by"
                        + " jvmm's PUT /snapshot/create) to find the interfaces by iface_id.");
            }
            List<String> ids = List.copyOf(saved.networkInterfaces().keySet());
            for (String id : overrides.keySet()) {
                if (!ids.contains(id)) {
                    throw new ApiException("Invalid network_overrides: the snapshot has no interface '" + id + "' (it has "
                            + (ids.isEmpty() ? "none" : String.join(", ", ids)) + ").");
                }
            }
            int last = overrides.keySet().stream().mapToInt(ids::indexOf).max().orElse(-1);
            for (int i = 0; i <= last; i++) {
                String id = ids.get(i);
                taps.add(overrides.getOrDefault(id, saved.networkInterfaces().get(id).hostDevName()));
            }
        }
        VmBackend.Running r;
        try {
            r = backend.restore(new SnapshotFiles(state, Path.of(mem)), new RestoreOptions(List.of(), taps),
                    Boolean.TRUE.equals(l.resumeVm()));
        } catch (Exception e) {
            throw new ApiException("Cannot load the snapshot: " + e.getMessage());
        }
        running = r;
        started.complete(r);
        if (saved != null) {
            config = saved.withLogger(config.logger()).withMetrics(config.metrics());
        }
        return Reply.NO_CONTENT;
    }

    private static VmConfig readSidecar(Path state) {
        Path file = sidecar(state);
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        try {
            return VmConfig.fromJson(ApiValidation.JSON.readTree(java.nio.file.Files.readString(file)), ApiValidation.JSON);
        } catch (IOException | ApiException e) {
            throw new ApiException(file + ": not a configuration jvmm wrote (" + e.getMessage() + ").");
        }
    }

    private Reply vmState(VmState s) {
        String want = ApiValidation.require(s.state(), "state");
        if (!want.equals("Paused") && !want.equals("Resumed")) {
            throw new ApiException("Invalid state '" + want + "': Paused or Resumed.");
        }
        afterBoot();
        try {
            if (want.equals("Paused")) {
                running.pause();
            } else {
                running.resume();
            }
        } catch (IllegalStateException e) {
            throw new ApiException(e.getMessage());
        }
        return Reply.NO_CONTENT;
    }

    private void beforeBoot() {
        if (running != null) {
            throw new ApiException("The requested operation is not supported after starting the microVM.");
        }
    }

    private void afterBoot() {
        if (running == null) {
            throw new ApiException("The requested operation is not supported before starting the microVM.");
        }
    }

    /** GET /'s state. A stopped machine (the process is about to end) reads as Paused: no vCPU runs. */
    private String stateName() {
        if (running == null) {
            return "Not started";
        }
        return running.state() == MachineState.RUNNING ? "Running" : running.state() == MachineState.CREATED
                ? "Not started" : "Paused";
    }

    private Map<String, Object> counters() {
        VmBackend.Running r = started.getNow(null);
        Map<String, Object> m = r == null ? new java.util.LinkedHashMap<>() : r.counters();
        m.put("state", stateName());
        return m;
    }

    /**
     * Applies a Firecracker config file (one JSON object keyed "boot-source", "drives", "machine-config",
     * "network-interfaces", "entropy", "logger", "metrics") through the same checks as the API's PUTs, then
     * starts the machine. A refusal is an ApiException naming the key.
     */
    void applyConfigFile(String text) {
        JsonNode root = ApiValidation.parse(text, JsonNode.class);
        if (!root.isObject()) {
            throw new ApiException("the config file must hold one JSON object");
        }
        for (var e : root.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            switch (key) {
                case "boot-source", "machine-config", "entropy", "logger", "metrics" -> put(key, "/" + key, v);
                case "drives", "network-interfaces" -> {
                    if (!v.isArray()) {
                        throw new ApiException(key + ": must be a JSON array");
                    }
                    String idField = key.equals("drives") ? "drive_id" : "iface_id";
                    for (int i = 0; i < v.size(); i++) {
                        JsonNode item = v.get(i);
                        String itemId = item.path(idField).asText("");
                        put(key + "[" + i + "]", "/" + key + "/" + itemId, item);
                    }
                }
                default -> {
                    if (v.isNull()) {
                        continue;
                    }
                    String what = UNSUPPORTED.get(key.equals("mmds-config") ? "mmds" : key);
                    throw new ApiException(what != null ? key + ": " + what + " is not supported by jvmm."
                            : "unknown key '" + key + "'");
                }
            }
        }
        put("InstanceStart", "/actions", ApiValidation.JSON.createObjectNode().put("action_type", "InstanceStart"));
    }

    private void put(String what, String path, JsonNode body) {
        Reply r = handle("PUT", path, body.toString());
        if (r.status() != 204) {
            try {
                throw new ApiException(what + ": " + ApiValidation.JSON.readTree(r.json()).path("fault_message").asText());
            } catch (JsonProcessingException e) {
                throw new ApiException(what + ": " + r.json());
            }
        }
    }

    /** Waits until the machine was started and has ended; its exit. */
    MachineExit awaitEnd() throws InterruptedException {
        VmBackend.Running r;
        try {
            r = started.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        MachineExit exit;
        do {
            exit = r.awaitExit(Duration.ofDays(1));
        } while (exit == null);
        return exit;
    }

    /** Stops the machine if one was started (any thread; returns at once). */
    void stop(MachineExit reason) {
        VmBackend.Running r = started.getNow(null);
        if (r != null) {
            r.stop(reason);
        }
    }

    /** Releases the machine (after {@link #awaitEnd}) and the metrics file, writing metrics one last time. */
    void close() {
        synchronized (this) {
            if (metrics != null) {
                try {
                    metrics.flush();
                } catch (IOException ignored) {
                    // the reader went away
                }
                metrics.close();
            }
        }
        VmBackend.Running r = started.getNow(null);
        if (r != null) {
            r.close();
        }
    }

    private static Reply json(Object body) {
        return new Reply(200, write(body));
    }

    private static String write(Object body) {
        try {
            return ApiValidation.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
