package io.jvmm.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.machine.MachineSpec;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API's requests and state machine against a fake machine: no KVM, no HTTP. */
class VmmTest {
    @TempDir
    Path dir;
    FakeBackend backend;
    Vmm vmm;
    Path kernel;
    Path disk;

    @BeforeEach
    void setUp() throws Exception {
        backend = new FakeBackend();
        vmm = new Vmm("vm1", "1.2.3", backend);
        kernel = Files.write(dir.resolve("vmlinux"), new byte[] {1, 2, 3});
        disk = Files.write(dir.resolve("root.img"), new byte[4096]);
    }

    private Vmm.Reply call(String method, String path, String body) {
        return vmm.handle(method, path, body);
    }

    private void ok(String method, String path, String body) {
        Vmm.Reply r = call(method, path, body);
        assertEquals(204, r.status(), () -> method + " " + path + ": " + r.json());
        assertNull(r.json());
    }

    private String fault(String method, String path, String body) throws Exception {
        Vmm.Reply r = call(method, path, body);
        assertEquals(400, r.status(), () -> method + " " + path + " " + body + " was accepted");
        JsonNode j = ApiValidation.JSON.readTree(r.json());
        assertEquals(1, j.size(), r.json());
        String m = j.get("fault_message").asText();
        assertTrue(!m.isBlank());
        return m;
    }

    private JsonNode get(String path) throws Exception {
        Vmm.Reply r = call("GET", path, null);
        assertEquals(200, r.status(), r.json());
        return ApiValidation.JSON.readTree(r.json());
    }

    private String bootSource() {
        return "{\"kernel_image_path\": \"" + kernel + "\", \"boot_args\": \"console=ttyS0 reboot=k panic=1\"}";
    }

    @Test
    void instanceInfoBeforeAndAfterStart() throws Exception {
        JsonNode info = get("/");
        assertEquals("Firecracker", info.get("app_name").asText());
        assertEquals("vm1", info.get("id").asText());
        assertEquals("Not started", info.get("state").asText());
        assertEquals("1.2.3", info.get("vmm_version").asText());
        assertEquals("1.2.3", get("/version").get("firecracker_version").asText());
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertEquals("Running", get("/").get("state").asText());
    }

    /** Without a machine-config request the VM gets Firecracker's defaults, which are also jvmm run's. */
    @Test
    @Timeout(10)
    void machineConfigDefaultsAreFirecrackersAndTheSpecs() throws Exception {
        ok("PUT", "/boot-source", bootSource());
        assertEquals(128, get("/machine-config").get("mem_size_mib").asInt());
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertEquals(128L << 20, backend.startedWith.memoryBytes());
        assertEquals(MachineSpec.DEFAULT_MEMORY, backend.startedWith.memoryBytes());
        assertEquals(1, backend.startedWith.cpus());
    }

    @Test
    @Timeout(10)
    void gettingStartedSequenceMapsOntoTheSpec() throws Exception {
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + disk
                + "\", \"is_root_device\": true, \"is_read_only\": false}");
        ok("PUT", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + disk
                + "\", \"is_root_device\": false, \"is_read_only\": true}");
        ok("PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}");
        ok("PATCH", "/machine-config", "{\"mem_size_mib\": 512}");
        ok("PUT", "/network-interfaces/eth0", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\", \"guest_mac\": \"06:00:AC:10:00:02\"}");
        ok("PUT", "/entropy", "{}");
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        MachineSpec s = backend.startedWith;
        assertEquals(kernel, s.kernel());
        assertEquals("console=ttyS0 reboot=k panic=1 root=/dev/vda rw", s.cmdline());
        assertEquals(2, s.cpus());
        assertEquals(512L << 20, s.memoryBytes());
        assertEquals(2, s.disks().size());
        assertTrue(s.disks().get(1).readOnly());
        assertEquals("tap0", s.nets().getFirst().tap());
        assertTrue(s.rng());
        assertEquals(2, get("/vm/config").get("drives").size());
        assertEquals(512, get("/machine-config").get("mem_size_mib").asInt());
    }

    @Test
    void rawKernelThroughJvmmFields() throws Exception {
        ok("PUT", "/boot-source", "{\"kernel_image_path\": \"" + kernel
                + "\", \"jvmm_kernel_format\": \"raw\", \"jvmm_raw_entry\": \"long:0x100000\"}");
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertEquals(MachineSpec.KernelFormat.RAW, backend.startedWith.format());
        assertEquals(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, 0x100000), backend.startedWith.rawEntry());
        assertEquals("raw", get("/vm/config").get("boot-source").get("jvmm_kernel_format").asText());
    }

    /** Every refused request leaves the configuration exactly as it was. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PUT   | /boot-source             | {"kernel_image_path": "/nonexistent/vmlinux"}
            PUT   | /boot-source             | {"boot_args": "x"}
            PUT   | /boot-source             | {"kernel_image_path": 3}
            PUT   | /boot-source             | {"kernel_image_path": "KERNEL", "bogus": 1}
            PUT   | /boot-source             | {"kernel_image_path": "KERNEL"
            PUT   | /boot-source             | {"kernel_image_path": "KERNEL"} {}
            PUT   | /boot-source             | [1]
            PUT   | /boot-source             | null
            PUT   | /boot-source             | {"kernel_image_path": "KERNEL", "jvmm_kernel_format": "pe"}
            PUT   | /boot-source             | {"kernel_image_path": "KERNEL", "jvmm_raw_entry": "protected:0x10"}
            PUT   | /drives/rootfs           | {"drive_id": "other", "path_on_host": "DISK", "is_root_device": true}
            PUT   | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "DISK"}
            PUT   | /drives/rootfs           | {"drive_id": "rootfs", "is_root_device": true}
            PUT   | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "DISK", "is_root_device": true, "rate_limiter": {}}
            PUT   | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "DISK", "is_root_device": true, "cache_type": "Fast"}
            PUT   | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "DISK", "is_root_device": true, "partuuid": "abc"}
            PUT   | /drives/root-fs          | {"drive_id": "root-fs", "path_on_host": "DISK", "is_root_device": true}
            PUT   | /drives/second           | {"drive_id": "second", "path_on_host": "DISK", "is_root_device": true}
            PATCH | /drives/rootfs           | {"drive_id": "other", "path_on_host": "DISK"}
            PATCH | /drives/nosuch           | {"drive_id": "nosuch", "path_on_host": "DISK"}
            PATCH | /drives/rootfs           | {"drive_id": "rootfs"}
            PATCH | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "/nonexistent"}
            PATCH | /drives/rootfs           | {"drive_id": "rootfs", "path_on_host": "DISK", "rate_limiter": {}}
            PUT   | /machine-config          | {"vcpu_count": 0, "mem_size_mib": 128}
            PUT   | /machine-config          | {"vcpu_count": 33, "mem_size_mib": 128}
            PUT   | /machine-config          | {"vcpu_count": 2}
            PUT   | /machine-config          | {"vcpu_count": "2", "mem_size_mib": 128}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 1.5}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 128, "smt": 0}
            PUT   | /boot-source             | {"kernel_image_path": 3}
            PUT   | /boot-source             | {"kernel_image_path": ["KERNEL"]}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 128, "smt": true}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 128, "huge_pages": "2M"}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 128, "cpu_template": "T2"}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 0}
            PUT   | /machine-config          | {"vcpu_count": 2, "mem_size_mib": 99999999}
            PATCH | /machine-config          | {"vcpu_count": 64}
            PUT   | /network-interfaces/eth0 | {"iface_id": "eth1", "host_dev_name": "tap0"}
            PUT   | /network-interfaces/eth0 | {"iface_id": "eth0"}
            PUT   | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "a-much-too-long-tap"}
            PUT   | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "tap0", "guest_mac": "zz"}
            PUT   | /network-interfaces/eth0 | {"iface_id": "eth0", "host_dev_name": "tap0", "rx_rate_limiter": {}}
            PATCH | /network-interfaces/eth0 | {"iface_id": "eth0"}
            PUT   | /entropy                 | {"rate_limiter": {"bandwidth": {"size": 1, "refill_time": 1}}}
            PUT   | /logger                  | {"level": "Loud"}
            PUT   | /metrics                 | {}
            PUT   | /actions                 | {"action_type": "Explode"}
            PUT   | /actions                 | {}
            PUT   | /actions                 | {"action_type": "SendCtrlAltDel"}
            PUT   | /actions                 | {"action_type": "FlushMetrics"}
            PUT   | /actions                 | {"action_type": "InstanceStart"}
            PATCH | /vm                      | {"state": "Paused"}
            PATCH | /vm                      | {"state": "Frozen"}
            PUT   | /vm                      | {"state": "Paused"}
            GET   | /nowhere                 |
            DELETE| /drives/rootfs           |
            POST  | /actions                 | {"action_type": "InstanceStart"}
            PUT   | /balloon                 | {"amount_mib": 1, "deflate_on_oom": false}
            PUT   | /mmds                    | {}
            PUT   | /mmds/config             | {}
            PUT   | /vsock                   | {}
            PUT   | /cpu-config              | {}
            PUT   | /snapshot/create         | {}
            PUT   | /snapshot/create         | {"snapshot_path": "/tmp/s", "mem_file_path": "/tmp/m"}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL", "mem_backend": {"backend_type": "File", "backend_path": "KERNEL"}}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL"}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL", "mem_file_path": "KERNEL", "mem_backend": {"backend_type": "File", "backend_path": "KERNEL"}}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL", "mem_backend": {"backend_type": "Uffd", "backend_path": "KERNEL"}}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL", "mem_file_path": "KERNEL", "enable_diff_snapshots": true}
            PUT   | /snapshot/load           | {"snapshot_path": "KERNEL", "mem_file_path": "KERNEL", "bogus": 1}
            PUT   | /snapshot/restore        | {}
            GET   | /snapshot/create         |
            PUT   | /serial                  | {}
            PUT   | /pmem/p0                 | {}
            PUT   | /hotplug/memory          | {}
            GET   | /drives/a/b              |
            """)
    void badRequestIsRefusedAndChangesNothing(String method, String path, String body) throws Exception {
        ok("PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + disk + "\", \"is_root_device\": true}");
        String before = call("GET", "/vm/config", null).json();
        String b = body == null ? null : body.replace("KERNEL", kernel.toString()).replace("DISK", disk.toString());
        String message = fault(method.strip(), path.strip(), b);
        assertEquals(before, call("GET", "/vm/config", null).json(), message);
        assertNull(backend.startedWith, message);
    }

    @Test
    void pathIdMismatchHasFirecrackersMessage() throws Exception {
        assertEquals("The id from the path does not match the id from the body!",
                fault("PUT", "/drives/a", "{\"drive_id\": \"b\", \"path_on_host\": \"" + disk + "\", \"is_root_device\": false}"));
    }

    @Test
    void faultMessagesNameTheProblem() throws Exception {
        assertEquals("Invalid value for field 'vcpu_count': expected an integer.",
                fault("PUT", "/machine-config", "{\"vcpu_count\": \"2\", \"mem_size_mib\": 128}"));
        assertEquals("Invalid value for field 'kernel_image_path': expected a string.",
                fault("PUT", "/boot-source", "{\"kernel_image_path\": 3}"));
        assertEquals("Unknown field 'bogus'.", fault("PUT", "/entropy", "{\"bogus\": 1}"));
        assertEquals("Missing required field 'vcpu_count'.", fault("PUT", "/machine-config", "{\"mem_size_mib\": 128}"));
        assertTrue(fault("PUT", "/entropy", "{").startsWith("Malformed JSON: "));
        assertEquals("Invalid request body: it must be a JSON object.", fault("PUT", "/entropy", "[]"));
    }

    @Test
    void unsupportedPartsSaySo() throws Exception {
        assertTrue(fault("PUT", "/balloon", "{}").contains("not supported by jvmm"));
        assertTrue(fault("PUT", "/entropy", "{\"rate_limiter\": {}}").contains("not supported by jvmm"));
    }

    @Test
    @Timeout(10)
    void pauseResumeAndEndAfterStart() throws Exception {
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        String before = call("GET", "/vm/config", null).json();
        assertTrue(fault("PUT", "/boot-source", bootSource()).contains("after starting"));
        assertTrue(fault("PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 64}").contains("after starting"));
        assertTrue(fault("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").contains("after starting"));
        assertEquals(before, call("GET", "/vm/config", null).json());
        ok("PATCH", "/vm", "{\"state\": \"Paused\"}");
        assertEquals("Paused", get("/").get("state").asText());
        assertTrue(fault("PATCH", "/vm", "{\"state\": \"Paused\"}").contains("cannot pause"));
        ok("PATCH", "/vm", "{\"state\": \"Resumed\"}");
        assertEquals("Running", get("/").get("state").asText());
        assertTrue(fault("PATCH", "/vm", "{\"state\": \"Resumed\"}").contains("cannot resume"));
        // SendCtrlAltDel types the keys and leaves the machine running (the guest decides); the guest's
        // reset then ends it.
        ok("PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
        assertEquals(1, backend.vm.ctrlAltDels);
        assertEquals("Running", get("/").get("state").asText());
        backend.vm.refuseCtrlAltDel = "cannot send Ctrl+Alt+Del: the keyboard's buffer is full";
        assertEquals("cannot send Ctrl+Alt+Del: the keyboard's buffer is full",
                fault("PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}"));
        backend.vm.stop(MachineExit.ok("guest reset (reboot, i8042)"));
        MachineExit exit = vmm.awaitEnd();
        assertEquals(0, exit.status());
        vmm.close();
        assertTrue(backend.vm.closed);
    }

    @Test
    void patchDriveChangesTheConfigBeforeBootAndSwapsTheDiskAfter() throws Exception {
        Path other = Files.write(dir.resolve("other.img"), new byte[8192]);
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + disk + "\", \"is_root_device\": false}");
        ok("PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + disk
                + "\", \"is_root_device\": true, \"is_read_only\": true}");
        ok("PATCH", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + other + "\"}");
        JsonNode data = get("/vm/config").get("drives").get(0);
        assertEquals(other.toString(), data.get("path_on_host").asText());
        assertFalse(data.get("is_root_device").asBoolean(), "the other fields stay");
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertEquals(other, backend.startedWith.disks().get(1).path(), "the root device is disk 0, data disk 1");

        ok("PATCH", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \"" + other + "\"}");
        ok("PATCH", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + disk + "\"}");
        assertEquals(List.of("0=" + other, "1=" + disk), backend.vm.replacedDisks);
        JsonNode root = get("/vm/config").get("drives").get(1);
        assertEquals(other.toString(), root.get("path_on_host").asText());
        assertTrue(root.get("is_read_only").asBoolean());

        backend.vm.refuseReplace = "disk 1: " + other + " is locked by another process";
        String before = call("GET", "/vm/config", null).json();
        assertTrue(fault("PATCH", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"" + other + "\"}")
                .contains("is locked by another process"));
        assertEquals(before, call("GET", "/vm/config", null).json());
        assertTrue(fault("PATCH", "/drives/nosuch", "{\"drive_id\": \"nosuch\", \"path_on_host\": \"" + other + "\"}")
                .startsWith("Invalid block device ID"));
    }

    @Test
    void snapshotCreateNeedsAPausedVmAndWritesTheConfigurationBeside() throws Exception {
        Path state = dir.resolve("vm.snap");
        Path mem = dir.resolve("vm.mem");
        String create = "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \"" + mem + "\", \"snapshot_type\": \"Full\"}";
        assertTrue(fault("PUT", "/snapshot/create", create).contains("before starting"));
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/network-interfaces/eth0", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"}");
        ok("PUT", "/network-interfaces/eth1", "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\"}");
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertTrue(fault("PUT", "/snapshot/create", create).contains("must be paused"));
        assertTrue(fault("PUT", "/snapshot/create", create.replace("Full", "Diff")).contains("only Full"));
        ok("PATCH", "/vm", "{\"state\": \"Paused\"}");
        ok("PUT", "/snapshot/create", create);
        assertEquals(List.of(new SnapshotFiles(state, mem)), backend.vm.snapshots);
        assertEquals("Paused", get("/").get("state").asText(), "the VM stays paused");
        JsonNode saved = ApiValidation.JSON.readTree(Files.readString(dir.resolve("vm.snap.fc.json")));
        assertEquals("eth1", saved.get("network-interfaces").get(1).get("iface_id").asText());

        // A new VMM loads it; eth1's TAP is overridden, eth0 keeps its recorded TAP (it comes before eth1).
        FakeBackend other = new FakeBackend();
        Vmm clone = new Vmm("vm2", "1.2.3", other);
        Vmm.Reply r = clone.handle("PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_backend\": "
                + "{\"backend_type\": \"File\", \"backend_path\": \"" + mem + "\"}, \"resume_vm\": true,"
                + " \"network_overrides\": [{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap9\"}]}");
        assertEquals(204, r.status(), r.json());
        assertEquals(new SnapshotFiles(state, mem), other.restoredFrom);
        assertEquals(new RestoreOptions(List.of(), List.of("tap0", "tap9")), other.restoredWith);
        assertEquals("Running", ApiValidation.JSON.readTree(clone.handle("GET", "/", null).json()).get("state").asText());
        assertEquals(2, ApiValidation.JSON.readTree(clone.handle("GET", "/vm/config", null).json())
                .get("network-interfaces").size(), "the snapshot's configuration");
        assertTrue(clone.handle("PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \""
                + mem + "\"}").json().contains("after starting"));
    }

    @Test
    void snapshotLoadChecksItsInputsBeforeBuildingAnything() throws Exception {
        Path state = Files.writeString(dir.resolve("s.snap"), "state");
        Path mem = Files.writeString(dir.resolve("s.mem"), "memory");
        String load = "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \"" + mem + "\", "
                + "\"network_overrides\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap5\"}]}";
        assertTrue(fault("PUT", "/snapshot/load", load).contains("s.snap.fc.json"), "overrides need the sidecar");
        Files.writeString(dir.resolve("s.snap.fc.json"), "{\"network-interfaces\": [{\"iface_id\": \"net1\", \"host_dev_name\": \"t\"}]}");
        assertTrue(fault("PUT", "/snapshot/load", load).contains("no interface 'eth0' (it has net1)"));
        Files.writeString(dir.resolve("s.snap.fc.json"), "{\"network-interfaces\": [{\"iface_id\": 3}]}");
        assertTrue(fault("PUT", "/snapshot/load", load).contains("not a configuration jvmm wrote"));
        assertNull(backend.restoredFrom);
        ok("PUT", "/boot-source", bootSource());
        assertTrue(fault("PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \"" + mem + "\"}")
                .contains("not allowed after configuring boot-specific resources"));
        Files.delete(dir.resolve("s.snap.fc.json")); // without it a load restores the VM, with an empty configuration
        Vmm fresh = new Vmm("vm3", "1", backend);
        backend.refuse = state + ": not a jvmm snapshot";
        Vmm.Reply r = fresh.handle("PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \"" + mem + "\"}");
        assertEquals(400, r.status());
        assertTrue(r.json().contains("Cannot load the snapshot: " + state + ": not a jvmm snapshot"), r.json());
        assertEquals("Not started", ApiValidation.JSON.readTree(fresh.handle("GET", "/", null).json()).get("state").asText());
        backend.refuse = null;
        assertEquals(204, fresh.handle("PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \""
                + mem + "\"}").status());
        assertEquals("Paused", ApiValidation.JSON.readTree(fresh.handle("GET", "/", null).json()).get("state").asText());
        assertEquals(RestoreOptions.NONE, backend.restoredWith);
    }

    @Test
    void aFailedStartLeavesTheVmNotStarted() throws Exception {
        backend.refuse = "/dev/kvm: no such file";
        ok("PUT", "/boot-source", bootSource());
        assertTrue(fault("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").contains("/dev/kvm: no such file"));
        assertEquals("Not started", get("/").get("state").asText());
        backend.refuse = null;
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
    }

    @Test
    @Timeout(10)
    void metricsAreWrittenOnFlush() throws Exception {
        Path m = dir.resolve("metrics.json");
        ok("PUT", "/metrics", "{\"metrics_path\": \"" + m + "\"}");
        assertTrue(fault("PUT", "/metrics", "{\"metrics_path\": \"" + m + "\"}").contains("Reinitialization"));
        ok("PUT", "/boot-source", bootSource());
        ok("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        ok("PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}");
        var lines = Files.readAllLines(m);
        assertEquals(1, lines.size());
        JsonNode line = ApiValidation.JSON.readTree(lines.getFirst());
        assertEquals(42, line.get("jvmm").get("exits_total").asInt());
        assertEquals("Running", line.get("jvmm").get("state").asText());
        vmm.stop(MachineExit.ok("test"));
        vmm.close();
        assertEquals(2, Files.readAllLines(m).size(), "a last line at close");
    }

    @Test
    void configFileConfiguresAndStarts() throws Exception {
        vmm.applyConfigFile("""
                {"boot-source": {"kernel_image_path": "%s", "boot_args": "console=ttyS0"},
                 "drives": [{"drive_id": "rootfs", "path_on_host": "%s", "is_root_device": true, "is_read_only": true}],
                 "machine-config": {"vcpu_count": 2, "mem_size_mib": 64},
                 "network-interfaces": [], "entropy": {}, "balloon": null}
                """.formatted(kernel, disk));
        assertEquals("console=ttyS0 root=/dev/vda ro", backend.startedWith.cmdline());
        assertEquals(64L << 20, backend.startedWith.memoryBytes());
        assertEquals("Running", get("/").get("state").asText());
    }

    @Test
    void configFileErrorsNameTheKey() {
        var e = assertThrows(ApiException.class, () -> vmm.applyConfigFile("""
                {"boot-source": {"kernel_image_path": "%s"},
                 "drives": [{"drive_id": "rootfs", "path_on_host": "/nonexistent", "is_root_device": true}]}
                """.formatted(kernel)));
        assertTrue(e.getMessage().startsWith("drives[0]: path_on_host /nonexistent"), e.getMessage());
        assertNull(backend.startedWith);
        assertTrue(assertThrows(ApiException.class, () -> vmm.applyConfigFile("{\"vsock\": {}}"))
                .getMessage().contains("not supported"));
        assertTrue(assertThrows(ApiException.class, () -> vmm.applyConfigFile("{\"bogus\": {}}"))
                .getMessage().contains("unknown key 'bogus'"));
        assertTrue(assertThrows(ApiException.class, () -> vmm.applyConfigFile("{\"machine-config\": {}}"))
                .getMessage().startsWith("machine-config: Missing required field 'vcpu_count'"));
    }
}
