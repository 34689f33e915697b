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
 * boots the default guest through {@code jvmm serve}; PUT /actions SendCtrlAltDel then makes the guest shut
 * down in order (the i8042 keyboard, the kernel's ctrl_alt_del(), init's SIGINT trap, a reset), which ends the
 * process with status 0.
 * Run under {@code flock /tmp/jvmm-boot.lock}.
 */
@Tag("boot")
class ServeBootLinuxTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = BootLinuxTest.BOOT_TIMEOUT_S + 180, unit = TimeUnit.SECONDS)
    void gettingStartedSequenceBootsTheDefaultGuest() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        Path sock = dir.resolve("firecracker.socket");
        Process p = new ProcessBuilder(JvmmProcess.command("serve", "--api-sock", sock.toString(), "--boot-timer"))
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
        try {
            assertTrue(UnixHttp.awaitSocket(sock, p, 30_000), "no API socket");
            // The image's init runs jvmm.cmd; "ls /sys/block" shows the drives as vda and vdb. The command then
            // waits (up to 5 minutes) for vdb's size to change: the test swaps its file meanwhile; then it waits
            // for Ctrl+Alt+Del (a sleep that init's shutdown ends).
            String bootArgs = "console=ttyS0 reboot=k panic=1 pci=off jvmm.cmd=\\\"echo api-$((6*7)); ls /sys/block;"
                    + " echo size1=$(cat /sys/block/vdb/size); i=0; while [ $(cat /sys/block/vdb/size) = 2048 ] &&"
                    + " [ $i -lt 300 ]; do sleep 1; i=$((i+1)); done; echo size2=$(cat /sys/block/vdb/size); echo waiting-for-$((1+1))cad; sleep 600\\\"";
            assertEquals(204, UnixHttp.call(sock, "PUT", "/boot-source", "{\"kernel_image_path\": \"" + image.vmlinux()
                    + "\", \"initrd_path\": \"" + image.initramfs() + "\", \"boot_args\": \"" + bootArgs + "\"}").status());
            // The cached image must not change: the root device is read-only.
            assertEquals(204, UnixHttp.call(sock, "PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                    + image.rootfs() + "\", \"is_root_device\": true, \"is_read_only\": true}").status());
            Path small = Files.write(dir.resolve("small.img"), new byte[1 << 20]);
            Path big = Files.write(dir.resolve("big.img"), new byte[2 << 20]);
            assertEquals(204, UnixHttp.call(sock, "PUT", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \""
                    + small + "\", \"is_root_device\": false, \"is_read_only\": true}").status());
            assertEquals(204, UnixHttp.call(sock, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}").status());
            UnixHttp.Reply info = UnixHttp.call(sock, "GET", "/", null);
            assertTrue(info.body().contains("\"state\":\"Running\""), info.body());
            // PATCH /drives after boot: the running guest sees vdb grow from 2048 to 4096 sectors.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BootLinuxTest.BOOT_TIMEOUT_S);
            while (!Files.readString(dir.resolve("out")).contains("size1=2048") && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            UnixHttp.Reply patch = UnixHttp.call(sock, "PATCH", "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \""
                    + big + "\"}");
            assertEquals(204, patch.status(), patch.body() + "\n" + Files.readString(dir.resolve("out")));
            assertTrue(UnixHttp.call(sock, "GET", "/vm/config", null).body().contains(big.toString()));
            while (!Files.readString(dir.resolve("out")).contains("waiting-for-2cad") && p.isAlive()
                    && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(200);
            }
            UnixHttp.Reply cad = UnixHttp.call(sock, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
            assertEquals(204, cad.status(), cad.body() + "\n" + Files.readString(dir.resolve("out")));
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the guest did not shut down after SendCtrlAltDel:\n"
                    + Files.readString(dir.resolve("out")));
            String out = Files.readString(dir.resolve("out"));
            String err = Files.readString(dir.resolve("err"));
            assertEquals(0, p.exitValue(), err);
            assertTrue(out.contains("jvmm-init: ready") && out.contains("api-42"), out);
            assertTrue(out.matches("(?s).*\\nvda\\s+vdb\\r?\\n.*"), "no /dev/vda and vdb in the guest:\n" + out);
            assertTrue(out.contains("size1=2048") && out.contains("[vdb] new size: 4096") && out.contains("size2=4096"),
                    "the guest did not see the new size:\n" + out);
            assertTrue(err.contains("guest boot time:"), "--boot-timer did not report:\n" + err);
            // The kernel found the keyboard, and init (not the 600 s sleep) ended the guest: its trap ran.
            assertTrue(out.contains("input: AT Translated Set 2 keyboard"), "no i8042 keyboard in the guest:\n" + out);
            assertTrue(out.contains("jvmm-init: Ctrl-Alt-Del, shutting down") && out.contains("reboot: Restarting system"),
                    "no orderly shutdown after SendCtrlAltDel:\n" + out);
            assertFalse(Files.exists(sock));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
