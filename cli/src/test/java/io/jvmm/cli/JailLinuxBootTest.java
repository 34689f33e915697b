package io.jvmm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default Linux guest booted by {@code jvmm jail} as nobody (uid 65534), under cgroup limits, in new
 * namespaces, pivoted into a root holding only the image's files, the JDK and jvmm: the "as an
 * unprivileged user the default guest boots" and "inside the jail the guest still boots", in one boot.
 */
@Tag("boot")
class JailLinuxBootTest {
    private Path base;

    @BeforeEach
    void setUp() throws Exception {
        BootTestImage.minimalOrSkip();
        JailTest.assumeRoot();
        base = Files.createTempDirectory("jvmm-jail-boot");
    }

    @AfterEach
    void tearDown() {
        if (base != null) {
            JailCommand.removeTree(base);
        }
    }

    @Test
    @Timeout(value = BootLinuxTest.BOOT_TIMEOUT_S + 60, unit = TimeUnit.SECONDS)
    void theDefaultGuestBootsInTheJailAsNobody() throws Exception {
        boolean cgroups = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                || Files.isRegularFile(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
        var args = new java.util.ArrayList<>(java.util.List.of("jail", "-v", "--id", "boot1", "--uid", JailTest.NOBODY, "--gid", JailTest.NOBODY,
                "--chroot-base", base.toString()));
        if (cgroups) {
            args.addAll(java.util.List.of("--memory-limit", "1G", "--cpu-limit", "1"));
        }
        args.addAll(java.util.List.of("--", "run", "--rng", "--timeout", Long.toString(BootLinuxTest.BOOT_TIMEOUT_S),
                "--append", "jvmm.cmd=\"echo jail-$((6*7)); test -b /dev/vda && echo vda-$((1+1)); echo rng-$(head -c 16 /dev/hwrng | wc -c)\""));
        var r = JvmmProcess.run(BootLinuxTest.BOOT_TIMEOUT_S, null, args.toArray(String[]::new));
        String out = r.stdout();
        String tail = (out.length() > 4000 ? out.substring(out.length() - 4000) : out) + "\n" + r.stderr();
        assertTrue(out.contains("jvmm-init: ready"), "init marker missing:\n" + tail);
        // Values computed by the guest (the kernel echoes its command line, so literal text would match there).
        assertTrue(out.contains("jail-42") && out.contains("vda-2") && out.contains("rng-16"), tail);
        assertTrue(r.stderr().contains("threads run as uid 65534 gid 65534 with no supplementary groups and no capabilities"), r.stderr());
        assertTrue(r.stderr().contains("seccomp filter installed on all threads"), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertFalse(Files.exists(base.resolve("boot1")), "the jail directory is removed at exit");
    }
}
