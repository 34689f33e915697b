package io.jvmm.cli;

import io.jvmm.images.ImageSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The default Linux guest with its copy-on-write root disk, a data disk, virtio-rng and a
 * virtio-net interface on a TAP in a network namespace is snapshotted when its /init signals the boot
 * timer; then two clones are restored from it at once, as two new processes, each in a namespace of its
 * own with its own TAP and its own copy of the data disk. In each clone the shell answers typed commands, the RNG gives bytes, the guest pings its namespace's end of the TAP, and what it
 * writes to its data disk lands in its own image only.
 *
 * <p>Two vCPUs, both running in each clone: a command pinned to CPU 1 answers. (Restored 2-vCPU guests once
 * hung in tick replay; see docs/snapshots.md.)
 */
@Tag("boot")
class SnapshotLinuxTest {
    static final long TIMEOUT_S = 1500;
    /** One namespace for the snapshotted guest and one per clone, each with a TAP at 10.0.N.1/24. */
    static final String[] NS = {"s", "a", "b"};

    @TempDir
    Path dir;
    final String prefix = "jvmmsnap" + ProcessHandle.current().pid();

    @AfterEach
    void removeNamespaces() throws Exception {
        for (String n : NS) {
            sh(10, "ip", "netns", "del", prefix + n);
        }
    }

    @Test
    @Timeout(value = 2 * TIMEOUT_S, unit = TimeUnit.SECONDS)
    void snapshotAtReadyThenTwoClonesWithTheirOwnDiskAndTapAnswer() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces and TAPs need root");
        assumeTrue(VirtioGuestTest.onPath("ip"), "ip not installed: apt-get install iproute2");
        for (int i = 0; i < NS.length; i++) {
            String ns = prefix + NS[i];
            assertEquals(0, sh(10, "ip", "netns", "add", ns));
            assertEquals(0, sh(10, "ip", "netns", "exec", ns, "ip", "tuntap", "add", "dev", "jt" + NS[i], "mode", "tap"));
            assertEquals(0, sh(10, "ip", "netns", "exec", ns, "ip", "addr", "add", "10.0." + (i + 1) + ".1/24", "dev", "jt" + NS[i]));
            assertEquals(0, sh(10, "ip", "netns", "exec", ns, "ip", "link", "set", "jt" + NS[i], "up"));
        }
        Path data = Files.write(dir.resolve("data.img"), new byte[1 << 20]);
        Path snap = dir.resolve("snap");
        var taken = run(NS[0], null, "run", "--cpus", "2", "--rng", "--disk", data.toString(), "--net", "tap=jts",
                "--timeout", Long.toString(TIMEOUT_S),
                "--snapshot-at", "ready", "--snapshot-dir", snap.toString(), "--exit-after-snapshot");
        System.err.print(taken.stderr());
        assertEquals(0, taken.status(), taken.stderr());
        assertTrue(taken.stderr().contains("jvmm: snapshot in " + snap), taken.stderr());
        assertTrue(Files.isRegularFile(snap.resolve("state.virtio-blk0.overlay")), "the root disk's saved clusters");

        @SuppressWarnings("unchecked")
        CompletableFuture<JvmmProcess.Result>[] clones = new CompletableFuture[2];
        Path[] disks = new Path[2];
        long t0 = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            int n = i + 2; // 10.0.2.x for clone a, 10.0.3.x for clone b
            String name = NS[i + 1];
            disks[i] = Files.copy(data, dir.resolve("data-" + name + ".img"));
            byte[] typed = String.join("\n",
                    "echo payload-clone-" + name + " | dd of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null && echo written-" + name,
                    "echo rng=$(head -c 8 /dev/hwrng | wc -c) cpus=$(busybox nproc)",
                    "busybox taskset -c 1 /bin/busybox echo ran-on-cpu$((0+1))-" + name,
                    "ip link set eth0 up; ip addr add 10.0." + n + ".2/24 dev eth0",
                    "ping -c 1 -W 20 10.0." + n + ".1 >/dev/null && echo ping-ok-" + name,
                    "echo clone-$((40+" + i + "))",
                    "exit", "").getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<JvmmProcess.Result> clone = new CompletableFuture<>();
            clones[i] = clone;
            int k = i;
            // Threads of their own: the common pool has one worker on a 2-core machine, and JvmmProcess drains there.
            Thread.ofPlatform().name("clone-" + name).start(() -> {
                try {
                    clone.complete(run(name, typed, "run", "--restore", snap.toString(),
                            "--disk", image.rootfs().toString(), "--disk", disks[k].toString(), "--net", "tap=jt" + name,
                            "--timeout", Long.toString(TIMEOUT_S)));
                } catch (Throwable e) {
                    clone.completeExceptionally(e);
                }
            });
        }
        for (int i = 0; i < 2; i++) {
            String name = NS[i + 1];
            var r = clones[i].join();
            String out = r.stdout();
            String why = "clone " + name + ":\n" + out + "\n" + r.stderr();
            assertTrue(out.contains("clone-" + (40 + i)), "did not answer: " + why);
            assertTrue(out.contains("written-" + name), why);
            assertTrue(out.contains("rng=8 cpus=2"), "virtio-rng and both CPUs after the restore: " + why);
            assertTrue(out.contains("ran-on-cpu1-" + name), "a command pinned to CPU 1: " + why);
            assertTrue(out.contains("ping-ok-" + name), "virtio-net after the restore: " + why);
            assertEquals(0, r.status(), "exit powers the guest off: " + why);
        }
        System.err.printf("two clones restored at once, each answered and powered off: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < 2; i++) {
            String image0 = new String(Files.readAllBytes(disks[i]), StandardCharsets.ISO_8859_1);
            assertTrue(image0.contains("payload-clone-" + NS[i + 1]), "clone " + NS[i + 1] + "'s bytes in its own disk");
            assertFalse(image0.contains("payload-clone-" + NS[2 - i]), "the other clone's bytes are not in it");
        }
        assertFalse(new String(Files.readAllBytes(data), StandardCharsets.ISO_8859_1).contains("payload-clone"),
                "the snapshotted machine's disk is untouched");
    }

    /** jvmm in namespace {@code ns} (one of {@link #NS}). */
    private JvmmProcess.Result run(String ns, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", prefix + ns));
        cmd.addAll(JvmmProcess.command(args));
        return JvmmProcess.run(TIMEOUT_S, stdin, cmd);
    }

    private static int sh(long timeoutS, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
