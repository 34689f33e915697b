package io.jvmm.cli;

import io.jvmm.images.ImageSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firecracker's getting-started sequence (PUT /boot-source, PUT /drives/rootfs, PUT /actions InstanceStart)
 * boots the default guest through {@code jvmm serve}; the guest's poweroff ends the process with status 0.
 * Run under {@code flock /tmp/jvmm-boot.lock}.
 */
@Tag("boot")
class ServeBootLinuxTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = BootLinuxTest.BOOT_TIMEOUT_S + 60, unit = TimeUnit.SECONDS)
    void gettingStartedSequenceBootsTheDefaultGuest() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        Path sock = dir.resolve("firecracker.socket");
        Process p = new ProcessBuilder(JvmmProcess.command("serve", "--api-sock", sock.toString(), "--boot-timer"))
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        try {
            assertTrue(UnixHttp.awaitSocket(sock, p, 30_000), "no API socket");
            // The image's init runs jvmm.cmd and powers off; "ls /sys/block" shows the drive as vda.
            String bootArgs = "console=ttyS0 reboot=k panic=1 pci=off jvmm.cmd=\\\"echo api-$((6*7)); ls /sys/block\\\"";
            assertEquals(204, UnixHttp.call(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + image.vmlinux()
                    + "\", \"initrd_path\": \"" + image.initramfs() + "\", \"boot_args\": \"" + bootArgs + "\"}").status());
            // The cached image must not change: the root device is read-only.
            assertEquals(204, UnixHttp.call(sock, "PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                    + image.rootfs() + "\", \"is_root_device\": true, \"is_read_only\": true}").status());
            assertEquals(204, UnixHttp.call(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").status());
            UnixHttp.Reply info = UnixHttp.call(sock, "GET", "/", null);
            assertTrue(info.body().contains("\"state\":\"Running\""), info.body());
            assertTrue(p.waitFor(BootLinuxTest.BOOT_TIMEOUT_S, TimeUnit.SECONDS), "the guest did not power off");
            String out = Files.readString(dir.resolve("out"));
            String err = Files.readString(dir.resolve("err"));
            assertEquals(0, p.exitValue(), err);
            assertTrue(out.contains("jvmm-init: ready") && out.contains("api-42"), out);
            assertTrue(out.matches("(?s).*\\nvda\\r?\\n.*"), "no /dev/vda in the guest:\n" + out);
            assertTrue(err.contains("guest boot time:"), "--boot-timer did not report:\n" + err);
            assertFalse(Files.exists(sock));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
