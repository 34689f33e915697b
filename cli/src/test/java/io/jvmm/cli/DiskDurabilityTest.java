package io.jvmm.cli;

import io.jvmm.images.ImageSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One boot of the default guest for section 6 of the data-safety rules: its root disk (the cached
 * rootfs.ext4, /dev/vda) takes writes into a copy-on-write overlay and is unchanged afterwards, and a
 * scratch disk's flushed write survives jvmm being killed with SIGKILL right after the guest reports it.
 */
@Tag("boot")
class DiskDurabilityTest {
    static final long BOOT_TIMEOUT_S = 1500;
    static final String MARKER = "jvmm-durable-1234";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = BOOT_TIMEOUT_S + 120, unit = TimeUnit.SECONDS)
    void flushedWritesSurviveSigkillAndTheDefaultDiskIsUntouched() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        String rootfsBefore = sha256(image.rootfs());
        FileTime mtimeBefore = Files.getLastModifiedTime(image.rootfs());
        Path scratch = Files.write(dir.resolve("scratch.img"), new byte[1 << 20]);
        Path stderr = dir.resolve("stderr.txt");

        // Values computed by the guest ($((...))): the kernel echoes its command line, literal text would match there.
        String guest = String.join("; ",
                "mount -t ext4 /dev/vda /mnt && echo cow-$((6*7)) > /mnt/cow-test.txt && umount /mnt",
                "mount -t ext4 -o ro /dev/vda /mnt && echo readback-$(cat /mnt/cow-test.txt); umount /mnt",
                "echo " + MARKER.replace("1234", "$((1000+234))") + " | dd of=/dev/vdb bs=512 count=1 conv=sync,fsync"
                        + " && echo marker-synced-$((40+2))",
                "sleep 3600");
        Process p = new ProcessBuilder(JvmmProcess.command("run", "--timeout", Long.toString(BOOT_TIMEOUT_S),
                "--disk", scratch.toString(), "--append", "jvmm.cmd=\"" + guest + "\""))
                .redirectError(stderr.toFile()).start();
        List<String> lines = new ArrayList<>();
        boolean synced = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line.strip());
                if (line.strip().equals("marker-synced-42")) {
                    synced = true;
                    p.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush of anything in jvmm
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvmm did not die");
        }
        String all = String.join("\n", lines);
        String tail = (all.length() > 4000 ? all.substring(all.length() - 4000) : all)
                + "\n--- stderr:\n" + Files.readString(stderr);
        assertTrue(synced, "the guest never reported its synced write:\n" + tail);
        assertEquals(137, p.exitValue(), "killed by SIGKILL (128 + 9)");

        byte[] head = new byte[MARKER.length() + 1];
        try (var in = Files.newInputStream(scratch)) {
            assertEquals(head.length, in.readNBytes(head, 0, head.length));
        }
        assertEquals(MARKER + "\n", new String(head, StandardCharsets.US_ASCII), "the flushed sector is in the image");

        assertTrue(lines.contains("readback-cow-42"), "the guest reads its write back through the overlay:\n" + tail);
        assertEquals(rootfsBefore, sha256(image.rootfs()), "the cached root disk's bytes are unchanged");
        assertEquals(mtimeBefore, Files.getLastModifiedTime(image.rootfs()), "the cached root disk was not written");
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
