package io.jvmm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jvmm run} as an ordinary user (nobody, through setpriv): with a KVM device node it may open, the
 * raw hello guest runs under the seccomp filter; without, the error is one line naming the permission.
 * The node is a second one for KVM's char device (10:232) owned by nobody, so /dev/kvm stays as it is.
 */
@Tag("kvm")
@Timeout(120)
class UnprivilegedRunTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")), "no usable /dev/kvm: KVM tests skipped");
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0), "needs root (to drop to nobody with setpriv)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv: apt-get install util-linux");
        dir = Files.createTempDirectory("jvmm-unpriv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path hello = Files.write(dir.resolve("hello.bin"), RunRawGuestTest.HELLO_REAL);
        Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * jvmm as nobody. The test JVM's module path holds jars in root's ~/.m2, which nobody cannot read: they
     * are copied into the test's directory (the modules' class directories stay where they are).
     */
    private JvmmProcess.Result asNobody(String... args) throws Exception {
        List<String> jvmm = new ArrayList<>(JvmmProcess.command(args));
        for (String option : List.of("--module-path", "-cp")) {
            int i = jvmm.indexOf(option);
            if (i >= 0) {
                jvmm.set(i + 1, readableCopies(jvmm.get(i + 1)));
            }
        }
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
        cmd.addAll(jvmm);
        return JvmmProcess.run(60, null, cmd);
    }

    private String readableCopies(String path) throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> entries = new ArrayList<>();
        for (String e : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isRegularFile(p)) {
                Path copy = lib.resolve(entries.size() + "-" + p.getFileName());
                Files.copy(p, copy);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                entries.add(copy.toString());
            } else {
                entries.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    @Test
    void withoutAccessToTheKvmDeviceTheErrorIsOneLineNamingThePermission() throws Exception {
        var r = asNobody("run", "--kernel-format", "raw", "--kernel", dir.resolve("hello.bin").toString());
        assertEquals(1, r.status(), r.stderr());
        assertEquals("", r.stdout());
        String err = r.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("jvmm: /dev/kvm: permission denied to uid 65534"), err);
        assertTrue(err.contains("run as root"), err);
    }

    @Test
    void withAKvmDeviceItOwnsAnOrdinaryUserRunsTheGuestUnderTheFilter() throws Exception {
        Path kvm = dir.resolve("kvm");
        Process p = new ProcessBuilder("sh", "-c", "mknod " + kvm + " c 10 232 && chown nobody " + kvm + " && chmod 600 " + kvm)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0, "cannot make a device node in " + dir + " (mounted nodev?): " + out);
        var r = asNobody("run", "-v", "--kernel-format", "raw", "--kernel", dir.resolve("hello.bin").toString(),
                "--kvm-device", kvm.toString());
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("seccomp filter installed on all threads"), r.stderr());
    }
}
