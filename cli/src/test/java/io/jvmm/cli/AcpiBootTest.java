package io.jvmm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The "acpi" image's kernel (CONFIG_ACPI, no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES) finds /dev/vda, eth0 and
 * the hardware RNG through jvmm's ACPI tables alone — its command line has no virtio_mmio.device= words and
 * it could not read them anyway — and a {@code poweroff} in the guest (ACPI S5 through the FADT's sleep
 * control register) ends jvmm with exit status 0.
 */
@Tag("boot")
class AcpiBootTest {
    static final long TIMEOUT_S = 1500;
    final String netns = "jvmmacpi" + ProcessHandle.current().pid();

    @BeforeAll
    static void needImageKvmAndRoot() {
        BootTestImage.acpiOrSkip();
        assumeTrue("root".equals(System.getProperty("user.name")), "a TAP in a network namespace needs root");
        assumeTrue(VirtioGuestTest.onPath("ip"), "ip not installed: apt-get install iproute2 (or run .ci/install-test-tools)");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip", "netns", "del", netns);
    }

    @Test
    @Timeout(value = TIMEOUT_S + 120, unit = TimeUnit.SECONDS)
    void devicesFoundThroughAcpiAndPoweroffEndsJvmmWithZero() throws Exception {
        assertEquals(0, sh("ip", "netns", "add", netns));
        assertEquals(0, sh("ip", "netns", "exec", netns, "ip", "tuntap", "add", "dev", "ja0", "mode", "tap"));
        String guest = String.join("; ",
                "echo cmdline=$(cat /proc/cmdline)",
                "echo acpi-devices=$(ls /sys/bus/acpi/devices | tr '\\n' ' ')",
                "[ -b /dev/vda ] && echo found-vda",
                "echo rng=$(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' ')",
                "[ -e /sys/class/net/eth0 ] && echo found-eth0",
                "busybox poweroff -f");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        cmd.addAll(JvmmProcess.command("run", "--image", "acpi", "--stats", "--timeout", Long.toString(TIMEOUT_S),
                "--rng", "--net", "tap=ja0", "--append", "jvmm.cmd=\"" + guest + "\""));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        String out = drain(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvmm did not exit");
        String stderr = err.join();
        String tail = (out.length() > 6000 ? out.substring(out.length() - 6000) : out) + "\n--- stderr:\n" + stderr;

        String cmdline = line(out, "cmdline=");
        assertFalse(cmdline.isEmpty() || cmdline.contains("virtio_mmio.device"), "the command line names no devices:\n" + tail);
        // Linux names ACPI devices HID:instance; the three virtio-mmio devices are LNRO0005:00..02.
        String acpi = line(out, "acpi-devices=");
        for (String dev : List.of("LNRO0005:00", "LNRO0005:01", "LNRO0005:02", "PNP0501:00")) {
            assertTrue(acpi.contains(dev), dev + " in /sys/bus/acpi/devices:\n" + tail);
        }
        assertTrue(out.lines().anyMatch(l -> l.strip().equals("found-vda")), "/dev/vda:\n" + tail);
        assertTrue(out.lines().anyMatch(l -> l.strip().equals("found-eth0")), "eth0:\n" + tail);
        String rng = line(out, "rng=");
        assertTrue(rng.matches("[0-9a-f]{32}") && !rng.equals("00".repeat(16)), "hwrng gave '" + rng + "':\n" + tail);
        assertTrue(stderr.contains("guest ended: guest powered off (ACPI S5)"), "--stats says how it ended:\n" + tail);
        assertEquals(0, p.exitValue(), tail);
    }

    /** What follows {@code prefix} on the guest's line that starts with it (not the kernel's echo of its command line). */
    private static String line(String out, String prefix) {
        return out.lines().map(String::strip).filter(l -> l.startsWith(prefix)).reduce((a, b) -> b)
                .map(l -> l.substring(prefix.length()).strip()).orElse("");
    }

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static String drain(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
