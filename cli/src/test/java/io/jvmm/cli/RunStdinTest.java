package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Piped stdin belongs to the guest that reads it: {@code jvmm run} of a guest that never reads its console
 * must leave the pipe's bytes unread (the launcher's training run once swallowed a first-time user's
 * {@code printf 'uname -a\nexit\n' | ./jvmm run} input this way).
 */
@Tag("kvm")
@Timeout(120)
class RunStdinTest {
    @TempDir
    Path dir;

    @Test
    void aGuestThatNeverReadsLeavesPipedInputInThePipe() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
        Path bin = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        // sh runs jvmm, then cat on the same stdin: cat prints whatever jvmm did not read.
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "\"$@\"; echo \"status $?\"; cat", "sh"));
        cmd.addAll(JvmmProcess.command("run", "--kernel-format", "raw", "--kernel", bin.toString(), "--entry", "real:0x1000"));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        try (var in = p.getOutputStream()) {
            in.write("uname -a\nexit\n".getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not end");
        assertEquals("hello\nstatus 0\nuname -a\nexit\n", out, err.join());
    }
}
