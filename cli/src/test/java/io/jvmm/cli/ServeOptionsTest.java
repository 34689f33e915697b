package io.jvmm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jvmm serve}'s refusals before any VM or socket exists (no KVM needed). */
@Timeout(60)
class ServeOptionsTest {
    @TempDir
    Path dir;

    @Test
    void anExistingSocketPathIsAOneLineErrorAndIsLeftAlone() throws Exception {
        Path sock = Files.writeString(dir.resolve("api.sock"), "someone else's");
        var r = JvmmProcess.run(30, null, "serve", "--api-sock", sock.toString());
        assertEquals(2, r.status(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("already exists"), r.stderr());
        assertEquals("someone else's", Files.readString(sock));
    }

    @Test
    void sigtermRemovesTheSocket() throws Exception {
        Path sock = dir.resolve("api.sock");
        Process p = new ProcessBuilder(JvmmProcess.command("serve", "--api-sock", sock.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertTrue(UnixHttp.awaitSocket(sock, p, 30_000), "no API socket");
            assertEquals(200, UnixHttp.call(sock, "GET", "/", null).status());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(Files.notExists(sock), "the socket outlived the process");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void noApiNeedsAConfigFile() throws Exception {
        var r = JvmmProcess.run(30, null, "serve", "--no-api");
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("--no-api needs --config-file"), r.stderr());
    }

    @Test
    void aBadConfigFileNamesTheKeyAndRemovesTheSocket() throws Exception {
        Path config = Files.writeString(dir.resolve("vm.json"), "{\"boot-source\": {\"kernel_image_path\": \"/nonexistent\"}}");
        Path sock = dir.resolve("api.sock");
        var r = JvmmProcess.run(30, null, "serve", "--api-sock", sock.toString(), "--config-file", config.toString());
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("boot-source: kernel_image_path /nonexistent"), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(Files.notExists(sock));
    }

    @Test
    void runConfigFileWithMachineOptionsIsAOneLineError() throws Exception {
        Path config = Files.writeString(dir.resolve("vm.json"), "{}");
        var r = JvmmProcess.run(30, null, "run", "--config-file", config.toString(), "--kernel", "/x");
        assertEquals(2, r.status(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("--kernel cannot be combined with it"), r.stderr());
        var memory = JvmmProcess.run(30, null, "run", "--memory", "64M", "--config-file", config.toString());
        assertTrue(memory.stderr().contains("--memory cannot be combined with it"), memory.stderr());
    }

    @Test
    void runConfigFileErrorsNameTheFileAndTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("vm.json"), "{\"boot-source\": {\"kernel_image_path\": \"/nonexistent\"}}");
        var r = JvmmProcess.run(30, null, "run", "--config-file", config.toString());
        assertEquals(2, r.status(), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("--config-file " + config + ": boot-source: kernel_image_path /nonexistent"), r.stderr());
        var missing = JvmmProcess.run(30, null, "run", "--config-file", dir.resolve("none.json").toString());
        assertEquals(2, missing.status(), missing.stderr());
        assertTrue(missing.stderr().contains("cannot read it"), missing.stderr());
    }
}
