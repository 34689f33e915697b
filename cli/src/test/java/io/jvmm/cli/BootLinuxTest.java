package io.jvmm.cli;

import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Boots the real minimal guest kernel (minutes on an emulating host, so each boot checks many
 * things). Needs the minimal image in the cache: {@code ./jvmm images build} (CI runs it first).
 */
@Tag("boot")
class BootLinuxTest {
    /** Generous: a kernel boot is ~1000x slower than on hardware on emulating hosts. */
    static final long BOOT_TIMEOUT_S = 1500;

    static ImageSet image;

    @BeforeAll
    static void needImageAndKvm() {
        image = BootTestImage.minimalOrSkip();
    }

    /**
     * One boot of the ELF vmlinux (PVH entry) with 2 vCPUs: the init marker, a command from the kernel
     * command line, commands typed into the guest shell through stdin, both CPUs online, the boot timer,
     * and exit status 0 once the guest powers off.
     */
    @Test
    @Timeout(value = BOOT_TIMEOUT_S + 60, unit = TimeUnit.SECONDS)
    void vmlinuxBootsToInitRunsCommandsAndPowersOff() throws Exception {
        byte[] typed = "echo typed-$((6*7))\ngrep -c ^processor /proc/cpuinfo\nexit\n".getBytes(StandardCharsets.UTF_8);
        var r = JvmmProcess.run(BOOT_TIMEOUT_S, typed, "run", "--cpus", "2", "--stats", "--timeout", Long.toString(BOOT_TIMEOUT_S),
                "--append", "jvmm.cmd=\"uname -sr; echo cmd-$((1+1))-ran; sh\"");
        String out = r.stdout();
        assertTrue(out.contains("jvmm-init: ready"), "init marker missing:\n" + tail(out) + "\n" + r.stderr());
        // Values computed by the guest: the kernel echoes its command line, so literal text would match there.
        assertTrue(out.contains("cmd-2-ran") && out.matches("(?s).*\\nLinux 6\\.1\\.\\d+\\s.*"), "jvmm.cmd did not run:\n" + tail(out));
        assertTrue(out.contains("typed-42"), "typed command did not run:\n" + tail(out));
        Matcher cpus = Pattern.compile("(?m)^(\\d+)\\r?$").matcher(out.substring(out.indexOf("typed-42")));
        assertTrue(cpus.find(), "no processor count:\n" + tail(out));
        assertEquals("2", cpus.group(1), "the guest should see both vCPUs");
        assertTrue(r.stderr().matches("(?s).*boot time: [0-9.]+ ms since process start.*"), "boot timer did not fire:\n" + r.stderr());
        assertEquals(0, r.status(), "exit status after poweroff; stderr:\n" + r.stderr());
    }

    /** The bzImage of the same kernel, through the 64-bit boot protocol with a zero page. */
    @Test
    @Timeout(value = BOOT_TIMEOUT_S + 60, unit = TimeUnit.SECONDS)
    void bzImageBootsAndRunsTheCommandLineCommand() throws Exception {
        var r = JvmmProcess.run(BOOT_TIMEOUT_S, null, "run", "--kernel", image.bzImage().toString(),
                "--initrd", image.initramfs().toString(), "--timeout", Long.toString(BOOT_TIMEOUT_S),
                "--append", "jvmm.cmd=\"echo bz-$((20+3))\"");
        assertTrue(r.stdout().contains("jvmm-init: ready"), tail(r.stdout()) + "\n" + r.stderr());
        assertTrue(r.stdout().contains("bz-23"), tail(r.stdout()));
        assertEquals(0, r.status(), r.stderr());
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
