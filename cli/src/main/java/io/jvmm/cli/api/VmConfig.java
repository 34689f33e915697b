package io.jvmm.cli.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.cli.api.ApiBodies.BootSource;
import io.jvmm.cli.api.ApiBodies.Drive;
import io.jvmm.cli.api.ApiBodies.Entropy;
import io.jvmm.cli.api.ApiBodies.Logger;
import io.jvmm.cli.api.ApiBodies.MachineConfig;
import io.jvmm.cli.api.ApiBodies.Metrics;
import io.jvmm.cli.api.ApiBodies.NetworkInterface;
import io.jvmm.machine.MachineSpec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pre-boot configuration as the API has accepted it so far: an immutable value, so a request builds a
 * whole new configuration and either replaces the old one or (when refused) leaves it as it was. Its
 * {@link #specBuilder()} maps it onto the machine's spec, the way Firecracker maps its own.
 */
record VmConfig(BootSource bootSource, Map<String, Drive> drives, MachineConfig machineConfig,
                Map<String, NetworkInterface> networkInterfaces, Entropy entropy, Logger logger, Metrics metrics) {

    /** Firecracker's defaults: one vCPU, 128 MiB, no SMT, no dirty-page tracking, no huge pages. */
    static final MachineConfig DEFAULT_MACHINE = new MachineConfig(1, 128, false, false, "None", null);

    VmConfig {
        // Insertion order is the guest's device order (a replaced drive keeps its place).
        drives = Collections.unmodifiableMap(new LinkedHashMap<>(drives));
        networkInterfaces = Collections.unmodifiableMap(new LinkedHashMap<>(networkInterfaces));
    }

    static VmConfig empty() {
        return new VmConfig(null, new LinkedHashMap<>(), DEFAULT_MACHINE, new LinkedHashMap<>(), null, null, null);
    }

    VmConfig withBootSource(BootSource b) {
        return new VmConfig(b, drives, machineConfig, networkInterfaces, entropy, logger, metrics);
    }

    VmConfig withDrive(Drive d) {
        Map<String, Drive> m = new LinkedHashMap<>(drives);
        m.put(d.driveId(), d);
        return new VmConfig(bootSource, m, machineConfig, networkInterfaces, entropy, logger, metrics);
    }

    VmConfig withMachineConfig(MachineConfig m) {
        return new VmConfig(bootSource, drives, m, networkInterfaces, entropy, logger, metrics);
    }

    VmConfig withNetworkInterface(NetworkInterface n) {
        Map<String, NetworkInterface> m = new LinkedHashMap<>(networkInterfaces);
        m.put(n.ifaceId(), n);
        return new VmConfig(bootSource, drives, machineConfig, m, entropy, logger, metrics);
    }

    VmConfig withEntropy(Entropy e) {
        return new VmConfig(bootSource, drives, machineConfig, networkInterfaces, e, logger, metrics);
    }

    VmConfig withLogger(Logger l) {
        return new VmConfig(bootSource, drives, machineConfig, networkInterfaces, entropy, l, metrics);
    }

    VmConfig withMetrics(Metrics m) {
        return new VmConfig(bootSource, drives, machineConfig, networkInterfaces, entropy, logger, m);
    }

    /** The drive ids in the guest's disk order: the root device first (/dev/vda), then the others as added. */
    java.util.List<String> diskOrder() {
        java.util.List<String> order = new java.util.ArrayList<>();
        for (Drive d : drives.values()) {
            if (Boolean.TRUE.equals(d.isRootDevice())) {
                order.addFirst(d.driveId());
            } else {
                order.add(d.driveId());
            }
        }
        return order;
    }

    /**
     * The machine spec's builder for this configuration (not yet built: building checks the files). As in
     * Firecracker, the root device becomes /dev/vda whatever its place, and the command line gets
     * {@code root=/dev/vda ro} or {@code rw}; without boot_args the command line is jvmm's default.
     */
    MachineSpec.Builder specBuilder() {
        MachineSpec.Builder b = MachineSpec.builder();
        if (bootSource != null) {
            b.kernel(Path.of(bootSource.kernelImagePath()));
            if (bootSource.initrdPath() != null) {
                b.initrd(Path.of(bootSource.initrdPath()));
            }
            if (bootSource.bootArgs() != null) {
                b.cmdline(bootSource.bootArgs());
            }
            b.format(ApiValidation.kernelFormat(bootSource.jvmmKernelFormat()));
            b.rawEntry(ApiValidation.rawEntry(bootSource.jvmmRawEntry()));
        }
        b.cpus(machineConfig.vcpuCount()).memoryBytes((long) machineConfig.memSizeMib() << 20);
        for (String id : diskOrder()) {
            Drive d = drives.get(id);
            b.disk(new MachineSpec.DiskSpec(Path.of(d.pathOnHost()), Boolean.TRUE.equals(d.isReadOnly())));
            if (Boolean.TRUE.equals(d.isRootDevice())) {
                b.append(Boolean.TRUE.equals(d.isReadOnly()) ? "root=/dev/vda ro" : "root=/dev/vda rw");
            }
        }
        for (NetworkInterface n : networkInterfaces.values()) {
            b.net(n.hostDevName(), n.guestMac());
        }
        return b.rng(entropy != null);
    }

    /** {@code GET /vm/config}: the whole configuration, keyed as in a Firecracker config file. */
    ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.set("boot-source", bootSource == null ? json.createObjectNode() : json.valueToTree(bootSource));
        var d = o.putArray("drives");
        drives.values().forEach(x -> d.add(json.valueToTree(x)));
        o.set("machine-config", json.valueToTree(machineConfig));
        var n = o.putArray("network-interfaces");
        networkInterfaces.values().forEach(x -> n.add(json.valueToTree(x)));
        o.set("entropy", entropy == null ? null : json.valueToTree(entropy));
        o.set("logger", logger == null ? null : json.valueToTree(logger));
        o.set("metrics", metrics == null ? null : json.valueToTree(metrics));
        o.putNull("balloon");
        o.putNull("vsock");
        o.putNull("mmds-config");
        return o;
    }

    /**
     * The configuration {@link #toJson} wrote (the file a snapshot's {@code .fc.json} holds), without its logger
     * and metrics (they belong to the process, not the VM). The text is untrusted: a field of the wrong type or
     * an unknown one is an {@link ApiException}; the files it names are not checked (the snapshot's own
     * record of its disks is what a restore opens).
     */
    static VmConfig fromJson(com.fasterxml.jackson.databind.JsonNode o, ObjectMapper json) {
        if (o == null || !o.isObject()) {
            throw new ApiException("not a JSON object");
        }
        try {
            com.fasterxml.jackson.databind.JsonNode b = o.path("boot-source");
            BootSource boot = b.isObject() && !b.isEmpty() ? json.treeToValue(b, BootSource.class) : null;
            Map<String, Drive> drives = new LinkedHashMap<>();
            for (var d : o.path("drives")) {
                Drive drive = json.treeToValue(d, Drive.class);
                drives.put(ApiValidation.require(drive.driveId(), "drives[].drive_id"), drive);
            }
            com.fasterxml.jackson.databind.JsonNode m = o.path("machine-config");
            MachineConfig machine = m.isObject() ? json.treeToValue(m, MachineConfig.class) : DEFAULT_MACHINE;
            Map<String, NetworkInterface> nets = new LinkedHashMap<>();
            for (var n : o.path("network-interfaces")) {
                NetworkInterface net = json.treeToValue(n, NetworkInterface.class);
                nets.put(ApiValidation.require(net.ifaceId(), "network-interfaces[].iface_id"), net);
            }
            com.fasterxml.jackson.databind.JsonNode e = o.path("entropy");
            Entropy entropy = e.isObject() ? json.treeToValue(e, Entropy.class) : null;
            return new VmConfig(boot, drives, machine, nets, entropy, null, null);
        } catch (com.fasterxml.jackson.core.JacksonException ex) {
            throw new ApiException(ex.getOriginalMessage().lines().findFirst().orElse("not a configuration"));
        }
    }
}
