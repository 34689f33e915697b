package io.jvmm.cli;

import io.jvmm.images.ImageSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * virtio-blk, virtio-rng and virtio-net with the real guest, in one boot (boots take minutes here):
 * /dev/vda a writable copy of the image's root disk, /dev/vdb a read-only copy, /dev/hwrng, and eth0 on
 * a TAP inside a network namespace this test creates (jvmm runs in that namespace).
 */
@Tag("boot")
class VirtioGuestTest {
    static final long TIMEOUT_S = 1500;
    static final String HOST_IP = "10.213.0.1";
    static final String GUEST_IP = "10.213.0.2";

    static ImageSet image;
    final String netns = "jvmmtest" + ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @BeforeAll
    static void needImageKvmAndRoot() {
        image = BootTestImage.minimalOrSkip();
        assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
        // ip: the namespace and TAP; busybox: ping and nc on the host side; debugfs: reads the images.
        for (String[] tool : new String[][] {{"ip", "iproute2"}, {"busybox", "busybox-static"}, {"debugfs", "e2fsprogs"}}) {
            assumeTrue(onPath(tool[0]), tool[0] + " not installed: apt-get install " + tool[1]
                    + " (or run .ci/install-test-tools)");
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh(10, "ip", "netns", "del", netns);
    }

    @Test
    @Timeout(value = TIMEOUT_S + 120, unit = TimeUnit.SECONDS)
    void guestUsesDiskRngAndNetwork() throws Exception {
        Path rw = Files.copy(image.rootfs(), dir.resolve("rw.ext4"));
        Path ro = Files.copy(image.rootfs(), dir.resolve("ro.ext4"));
        byte[] roBefore = sha256(Files.readAllBytes(ro));
        byte[] payload = debugfsCat(image.rootfs(), "/payload/data.bin");
        String payloadSha = HexFormat.of().formatHex(sha256(payload));

        assertEquals(0, sh(10, "ip", "netns", "add", netns));
        assertEquals(0, sh(10, "ip", "netns", "exec", netns, "ip", "tuntap", "add", "dev", "jt0", "mode", "tap"));
        assertEquals(0, sh(10, "ip", "netns", "exec", netns, "ip", "addr", "add", HOST_IP + "/24", "dev", "jt0"));
        assertEquals(0, sh(10, "ip", "netns", "exec", netns, "ip", "link", "set", "jt0", "up"));

        String guest = String.join("; ",
                "mount -t ext4 /dev/vda /mnt && sha256sum /mnt/payload/data.bin",
                "echo disk-write-ok-$((40+2)) > /mnt/written.txt; sync; umount /mnt",
                "dd if=/dev/zero of=/dev/vdb bs=512 count=1 || echo ro-write-refused",
                "echo rng=$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' ')",
                "ip link set eth0 up; ip addr add " + GUEST_IP + "/24 dev eth0; echo net-ready",
                "(echo hello-from-guest; sleep 5) | nc -l -p 7777; echo net-done");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        // -v: the log line of the seccomp filter (on by default), under which the whole boot runs.
        cmd.addAll(JvmmProcess.command("run", "-v", "--stats", "--timeout", Long.toString(TIMEOUT_S),
                "--disk", rw + "", "--disk", ro + ",ro", "--rng", "--net", "tap=jt0,mac=52:54:00:12:34:56",
                "--append", "jvmm.cmd=\"" + guest + "\""));
        // --disk with the default image: the image's rootfs is vda, so pass the kernel explicitly instead.
        cmd.addAll(List.of("--kernel", image.vmlinux().toString(), "--initrd", image.initramfs().toString()));
        Process p = new ProcessBuilder(cmd).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p));
        String fromGuest = null;
        int ping = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line.strip());
                // Whole-line match: the kernel echoes its command line, which holds "echo net-ready" too.
                if (line.strip().equals("net-ready")) {
                    ping = sh(60, "ip", "netns", "exec", netns, "busybox", "ping", "-c", "2", "-W", "10", GUEST_IP);
                    fromGuest = exchange();
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvmm did not exit");
        String all = String.join("\n", lines);
        String tail = (all.length() > 5000 ? all.substring(all.length() - 5000) : all) + "\n--- stderr:\n" + err.join();
        assertTrue(all.contains(payloadSha + "  /mnt/payload/data.bin"), "payload checksum:\n" + tail);
        assertTrue(err.join().contains("seccomp filter installed on all threads"), "filter not installed:\n" + tail);
        assertTrue(all.contains("ro-write-refused"), "write to the read-only disk must fail:\n" + tail);
        assertTrue(all.matches("(?s).*rng=[0-9a-f]{32}.*") && !all.contains("rng=" + "00".repeat(16)), "hwrng:\n" + tail);
        assertEquals(0, ping, "the namespace pings the guest:\n" + tail);
        assertEquals("hello-from-guest", fromGuest, tail);
        assertTrue(all.contains("hello-from-host"), "TCP bytes reached the guest:\n" + tail);
        assertEquals(0, p.exitValue(), tail);

        assertTrue(new String(debugfsCat(rw, "/written.txt"), StandardCharsets.UTF_8).contains("disk-write-ok-42"),
                "the guest's write reached the image");
        assertArrayEquals(roBefore, sha256(Files.readAllBytes(ro)), "the read-only image is unchanged");
    }

    /** Connects from the namespace to the guest's nc: sends a line, returns the line the guest sent. */
    private String exchange() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            // Both sides keep their stdin open a few seconds so neither nc quits before the other's line arrives.
            Process nc = new ProcessBuilder("ip", "netns", "exec", netns, "sh", "-c",
                    "(echo hello-from-host; sleep 5) | busybox nc -w 10 " + GUEST_IP + " 7777").start();
            String got = new String(nc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            nc.waitFor(30, TimeUnit.SECONDS);
            if (!got.isEmpty()) {
                return got;
            }
            Thread.sleep(2000); // the guest's nc may not listen yet
        }
        return null;
    }

    private static byte[] debugfsCat(Path image, String file) throws Exception {
        Process p = new ProcessBuilder("debugfs", "-R", "cat " + file, image.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static int sh(long timeoutS, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static String drain(Process p) {
        try {
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
