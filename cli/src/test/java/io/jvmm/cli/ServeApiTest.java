package io.jvmm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jvmm serve}: Firecracker's API over a real Unix socket, driving raw guests in a separate process. */
@Tag("kvm")
@Timeout(120)
class ServeApiTest {
    /** Real mode at 0x1000: prints "hi\n" on COM1, then spins (jmp $) until stopped. */
    /**
     * Prints "hi", then waits for a byte from the i8042 (SendCtrlAltDel's keys) and resets the machine
     * through it, as Linux's ctrl_alt_del() with reboot=k ends up doing.
     */
    static final byte[] HI_SPIN = {
            (byte) 0xba, (byte) 0xf8, 0x03,   // mov dx, 0x3f8
            (byte) 0xb0, 'h', (byte) 0xee,    // mov al, 'h'; out dx, al
            (byte) 0xb0, 'i', (byte) 0xee,    // mov al, 'i'; out dx, al
            (byte) 0xb0, '\n', (byte) 0xee,   // mov al, '\n'; out dx, al
            (byte) 0xe4, 0x64,                // poll: in al, 0x64 (I8042_STATUS_REG)
            (byte) 0xa8, 0x01,                //       test al, 1 (I8042_STR_OBF)
            (byte) 0x74, (byte) 0xfa,         //       jz poll
            (byte) 0xe4, 0x60,                // in al, 0x60 (the key)
            (byte) 0xb0, (byte) 0xfe,         // mov al, 0xfe
            (byte) 0xe6, 0x64,                // out 0x64, al (pulse the reset line)
            (byte) 0xeb, (byte) 0xfe};        // jmp $

    @TempDir
    Path dir;
    Process process;

    @AfterEach
    void killLeftover() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void assumeKvm() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
    }

    private Path serve(String... args) throws Exception {
        Path sock = dir.resolve("api.sock");
        List<String> a = new ArrayList<>(List.of("serve", "--api-sock", sock.toString()));
        a.addAll(Arrays.asList(args));
        process = new ProcessBuilder(JvmmProcess.command(a.toArray(String[]::new)))
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        assertTrue(UnixHttp.awaitSocket(sock, process, 30_000), () -> "no API socket; stderr: " + read("err"));
        return sock;
    }

    private String read(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    private int awaitExit() throws InterruptedException {
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), () -> "serve did not end; stderr: " + read("err"));
        return process.exitValue();
    }

    private static void ok(Path sock, String method, String path, String body) throws IOException {
        UnixHttp.Reply r = UnixHttp.call(sock, method, path, body);
        assertEquals(204, r.status(), method + " " + path + ": " + r.body());
    }

    @Test
    void helloGuestStartedThroughTheApiEndsTheProcess() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path sock = serve("--id", "hello-vm");
        UnixHttp.Reply info = UnixHttp.call(sock, "GET", "/", null);
        assertEquals(200, info.status());
        assertTrue(info.body().contains("\"id\":\"hello-vm\"") && info.body().contains("\"state\":\"Not started\""), info.body());
        UnixHttp.Reply bad = UnixHttp.call(sock, "PUT", "/boot-source", "{\"kernel_image_path\": ");
        assertEquals(400, bad.status());
        assertTrue(bad.body().startsWith("{\"fault_message\":\"Malformed JSON"), bad.body());
        ok(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + hello + "\", \"jvmm_kernel_format\": \"raw\"}");
        ok(sock, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}");
        ok(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertEquals(0, awaitExit(), read("err"));
        assertEquals("hello\n", read("out"));
        assertFalse(Files.exists(sock), "the socket is removed at exit");
    }

    @Test
    void sigtermStopsTheRunningVmRemovesTheSocketAndWritesMetrics() throws Exception {
        assumeKvm();
        Path spin = Files.write(dir.resolve("spin.bin"), HI_SPIN);
        Path metrics = dir.resolve("metrics.json");
        Path sock = serve("--metrics-path", metrics.toString());
        ok(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + spin + "\", \"jvmm_kernel_format\": \"raw\"}");
        ok(sock, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}");
        ok(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Running\""));
        int before = Files.readAllLines(metrics).size();
        process.destroy();   // SIGTERM: the shutdown hook does the orderly end, not the main thread
        assertEquals(143, awaitExit(), read("err"));
        assertFalse(Files.exists(sock), "the socket is removed on SIGTERM");
        List<String> lines = Files.readAllLines(metrics);
        assertTrue(lines.size() > before, "a metrics line written at the SIGTERM exit: " + lines);
        assertTrue(lines.getLast().contains("\"jvmm\""), lines.getLast());
    }

    @Test
    void sigtermWithoutTheApiStopsTheVmAndWritesMetrics() throws Exception {
        assumeKvm();
        Path spin = Files.write(dir.resolve("spin.bin"), HI_SPIN);
        Path metrics = dir.resolve("metrics.json");
        Path config = Files.writeString(dir.resolve("vm.json"), "{\"boot-source\": {\"kernel_image_path\": \"" + spin
                + "\", \"jvmm_kernel_format\": \"raw\"}, \"metrics\": {\"metrics_path\": \"" + metrics + "\"}}");
        process = new ProcessBuilder(JvmmProcess.command("serve", "--no-api", "--config-file", config.toString()))
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!read("out").equals("hi\n")) {
            assertTrue(process.isAlive() && System.nanoTime() < deadline, () -> "the guest printed no 'hi'; stderr: " + read("err"));
            Thread.sleep(10);
        }
        process.destroy();   // SIGTERM
        assertEquals(143, awaitExit(), read("err"));
        List<String> lines = Files.readAllLines(metrics);
        assertFalse(lines.isEmpty(), "a metrics line written at the SIGTERM exit");
        var jvmm = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(lines.getLast()).get("jvmm");
        assertEquals(3, jvmm.get("serial").get("output_bytes").asLong(), jvmm.toString());
    }

    @Test
    void pauseResumeLoadAndCtrlAltDel() throws Exception {
        assumeKvm();
        Path spin = Files.write(dir.resolve("spin.bin"), HI_SPIN);
        Path sock = serve();
        ok(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + spin + "\", \"jvmm_kernel_format\": \"raw\"}");
        ok(sock, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}");
        ok(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Running\""));
        assertEquals(400, UnixHttp.call(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + spin + "\"}").status());
        ok(sock, "PATCH", "/vm", "{\"state\": \"Paused\"}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Paused\""));
        ok(sock, "PATCH", "/vm", "{\"state\": \"Resumed\"}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Running\""));

        // Load: 1000 GET / from 16 concurrent clients against the running VM (one connection per request).
        long[] nanos = new long[1000];
        try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    for (int i = client; i < nanos.length; i += 16) {
                        long t = System.nanoTime();
                        UnixHttp.Reply r = UnixHttp.call(sock, "GET", "/", null);
                        nanos[i] = System.nanoTime() - t;
                        assertEquals(200, r.status());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        Arrays.sort(nanos);
        System.out.printf("serve API load: 1000 GET / from 16 clients: median %.0f us, p99 %.0f us%n",
                nanos[500] / 1e3, nanos[990] / 1e3);

        ok(sock, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
        assertEquals(0, awaitExit(), read("err"));
        assertEquals("hi\n", read("out"));
        assertFalse(Files.exists(sock));
    }

    @Test
    void snapshotCreateThenLoadInANewProcess() throws Exception {
        assumeKvm();
        Path spin = Files.write(dir.resolve("spin.bin"), HI_SPIN);
        Path state = dir.resolve("vm.snap");
        Path mem = dir.resolve("vm.mem");
        Path sock = serve();
        ok(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + spin + "\", \"jvmm_kernel_format\": \"raw\"}");
        ok(sock, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 16}");
        ok(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
        String create = "{\"snapshot_path\": \"" + state + "\", \"mem_file_path\": \"" + mem + "\"}";
        UnixHttp.Reply running = UnixHttp.call(sock, "PUT", "/snapshot/create", create);
        assertEquals(400, running.status());
        assertTrue(running.body().contains("must be paused"), running.body());
        ok(sock, "PATCH", "/vm", "{\"state\": \"Paused\"}");
        ok(sock, "PUT", "/snapshot/create", create);
        assertTrue(Files.size(mem) == 16L << 20 && Files.exists(dir.resolve("vm.snap.fc.json")), "memory file and .fc.json");
        ok(sock, "PATCH", "/vm", "{\"state\": \"Resumed\"}"); // the guest reads the keys only while it runs
        ok(sock, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
        assertEquals(0, awaitExit(), read("err"));
        String before = read("out");

        // A new process resumes the guest where it was: it prints the rest of "hi\n" (none, if it was spinning).
        sock = serve();
        ok(sock, "PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state + "\", \"mem_backend\": {\"backend_type\": \"File\","
                + " \"backend_path\": \"" + mem + "\"}}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Paused\""));
        assertTrue(UnixHttp.call(sock, "GET", "/vm/config", null).body().contains("\"mem_size_mib\":16"),
                "the snapshot's configuration, from the .fc.json");
        ok(sock, "PATCH", "/vm", "{\"state\": \"Resumed\"}");
        assertTrue(UnixHttp.call(sock, "GET", "/", null).body().contains("\"state\":\"Running\""));
        assertEquals(400, UnixHttp.call(sock, "PUT", "/snapshot/load", "{\"snapshot_path\": \"" + state
                + "\", \"mem_file_path\": \"" + mem + "\"}").status(), "a second load");
        ok(sock, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
        assertEquals(0, awaitExit(), read("err"));
        // The first process was resumed after the snapshot and printed all of "hi\n"; the second resumes where
        // the snapshot was taken and prints what was left then (nothing, if the guest was already polling).
        assertEquals("hi\n", before, "the first process");
        String after = read("out");
        assertTrue("hi\n".endsWith(after), "the restored guest printed " + after);
    }

    @Test
    void noApiConfigFileBootsTheGuest() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path config = Files.writeString(dir.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s", "jvmm_kernel_format": "raw"},
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}
                """.formatted(hello));
        var r = JvmmProcess.run(60, null, "serve", "--no-api", "--config-file", config.toString());
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
    }

    @Test
    void metricsAndLogFilesFromTheCommandLine() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path config = Files.writeString(dir.resolve("vm.json"), "{\"boot-source\": {\"kernel_image_path\": \"" + hello
                + "\", \"jvmm_kernel_format\": \"raw\"}}");
        Path metrics = dir.resolve("metrics.json");
        Path log = dir.resolve("jvmm.log");
        var r = JvmmProcess.run(60, null, "serve", "--no-api", "--config-file", config.toString(), "--metrics-path",
                metrics.toString(), "--log-path", log.toString(), "--level", "Info", "--show-level");
        assertEquals(0, r.status(), r.stderr());
        List<String> lines = Files.readAllLines(metrics);
        assertFalse(lines.isEmpty(), "a metrics line at exit");
        assertTrue(lines.getLast().matches("\\{\"utc_timestamp_ms\":\\d+,\"jvmm\":\\{\"exits_total\":[1-9]\\d*,.*"), lines.getLast());
        var jvmm = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(lines.getLast()).get("jvmm");
        assertTrue(jvmm.get("exits").get("IO_OUT").asLong() >= 6, "the hello guest's six OUTs: " + jvmm);
        assertEquals(6, jvmm.get("serial").get("output_bytes").asLong(), jvmm.toString());
        assertTrue(jvmm.get("block").isEmpty() && jvmm.get("net").isEmpty() && jvmm.get("rng").isEmpty(), jvmm.toString());
        assertTrue(Files.readString(log).contains(":INFO guest ended"), Files.readString(log));
    }

    @Test
    void runConfigFileBootsTheGuestAndWritesMetrics() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path disk = Files.write(dir.resolve("data.img"), new byte[4096]);
        Path metrics = dir.resolve("metrics.json");
        Path config = Files.writeString(dir.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s", "jvmm_kernel_format": "raw"},
                 "drives": [{"drive_id": "data", "path_on_host": "%s", "is_root_device": false}],
                 "machine-config": {"vcpu_count": 1, "mem_size_mib": 16},
                 "entropy": {},
                 "metrics": {"metrics_path": "%s"}}
                """.formatted(hello, disk, metrics));
        // With virtio devices the raw guest's HLT waits for an interrupt: --timeout ends it (status 1).
        var r = JvmmProcess.run(60, null, "run", "--config-file", config.toString(), "--timeout", "3");
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertTrue(r.stderr().contains("--timeout 3 s"), r.stderr());
        var jvmm = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .readTree(Files.readAllLines(metrics).getLast()).get("jvmm");
        assertTrue(jvmm.get("block").has("virtio-blk0") && jvmm.get("rng").has("virtio-rng0"), jvmm.toString());
        assertEquals(0, jvmm.get("block").get("virtio-blk0").get("used_buffers").asLong(), jvmm.toString());
        assertEquals(6, jvmm.get("serial").get("output_bytes").asLong(), jvmm.toString());
    }

    @Test
    void runConfigFileWithoutDevicesEndsWithTheGuest() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path config = Files.writeString(dir.resolve("vm.json"), """
                {"boot-source": {"kernel_image_path": "%s", "jvmm_kernel_format": "raw"}}
                """.formatted(hello));
        var r = JvmmProcess.run(60, null, "run", "--config-file", config.toString(), "--stats");
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("exits:"), "--stats goes with --config-file: " + r.stderr());
    }

    /** `jvmm run` must not pay for the API: no Jetty or Jackson class is loaded. */
    @Test
    void runLoadsNoApiClasses() throws Exception {
        assumeKvm();
        Path hello = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        List<String> cmd = new ArrayList<>(JvmmProcess.command("run", "--kernel-format", "raw", "--kernel", hello.toString()));
        cmd.add(1, "-Xlog:class+load=info:file=" + dir.resolve("classes.txt"));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        process = p;
        assertEquals(0, awaitExit(), read("err"));
        assertEquals("hello\n", read("out"));
        String classes = read("classes.txt");
        assertTrue(classes.contains("io.jvmm.cli.RunCommand"), "the log lists loaded classes");
        assertFalse(classes.contains("org.eclipse.jetty"), "jvmm run loaded Jetty");
        assertFalse(classes.contains("com.fasterxml.jackson"), "jvmm run loaded Jackson");
        assertFalse(classes.contains("io.jvmm.cli.api.ApiServer"), "jvmm run loaded the API server");
    }
}
