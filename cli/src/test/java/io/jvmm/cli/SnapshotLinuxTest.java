package io.jvmm.cli;

import io.jvmm.images.ImageSet;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The minimal Linux guest (its vmlinux and initramfs, no disk: virtio devices cannot be saved yet) is
 * snapshotted when its /init signals the boot timer, then restored twice at once in two new processes;
 * each clone's shell answers a command typed on its console and powers off.
 */
@Tag("boot")
class SnapshotLinuxTest {
    static final long TIMEOUT_S = 1500;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2 * TIMEOUT_S, unit = TimeUnit.SECONDS)
    void snapshotAtReadyThenTwoClonesAnswerOnTheirConsoles() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        Path snap = dir.resolve("snap");
        var taken = JvmmProcess.run(TIMEOUT_S, null, "run", "--kernel", image.vmlinux().toString(),
                "--initrd", image.initramfs().toString(), "--timeout", Long.toString(TIMEOUT_S),
                "--snapshot-at", "ready", "--snapshot-dir", snap.toString(), "--exit-after-snapshot");
        System.err.print(taken.stderr());
        assertEquals(0, taken.status(), taken.stderr());
        assertTrue(taken.stderr().contains("jvmm: snapshot in " + snap), taken.stderr());

        // In this process: VM build start -> first KVM_RUN of a restored 256 MiB guest (figures, no assertion).
        try (Hypervisor h = Hypervisor.open()) {
            for (int i = 0; i < 5; i++) {
                try (Machine m = Machine.restore(h, snap, new ByteArrayOutputStream(), System.nanoTime())) {
                    m.start();
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (m.firstRunNanos() == 0 && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    System.err.printf("in-process restore %d: VM build start -> vCPUs running %.2f ms%n", i,
                            (m.firstRunNanos() - m.buildStartNanos()) / 1e6);
                }
            }
        }

        @SuppressWarnings("unchecked")
        CompletableFuture<JvmmProcess.Result>[] clones = new CompletableFuture[2];
        long t0 = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            byte[] typed = ("echo clone-$((40+" + i + "))\nexit\n").getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<JvmmProcess.Result> clone = new CompletableFuture<>();
            clones[i] = clone;
            // Threads of their own: the common pool has one worker on a 2-core machine, and JvmmProcess drains there.
            Thread.ofPlatform().name("clone-" + i).start(() -> {
                try {
                    clone.complete(JvmmProcess.run(TIMEOUT_S, typed, "run", "--restore", snap.toString(),
                            "--timeout", Long.toString(TIMEOUT_S)));
                } catch (Throwable e) {
                    clone.completeExceptionally(e);
                }
            });
        }
        for (int i = 0; i < 2; i++) {
            var r = clones[i].join();
            assertTrue(r.stdout().contains("clone-" + (40 + i)), "clone " + i + " did not answer:\n" + r.stdout() + "\n" + r.stderr());
            assertEquals(0, r.status(), "clone " + i + " (exit powers the guest off): " + r.stderr());
        }
        System.err.printf("two clones restored at once, each typed a command and powered off: %.1f s%n",
                (System.nanoTime() - t0) / 1e9);
    }
}
