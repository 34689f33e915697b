package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jvmm run} of flat binary guests, end to end in a separate process. */
@Tag("kvm")
@Timeout(120)
class RunRawGuestTest {
    /** Real mode at 0x1000: prints "hello\n" on COM1 and halts. */
    static final byte[] HELLO_REAL = io.jvmm.machine.HelloGuest.realMode();

    /** 64-bit long mode: prints "long\n" on COM1 and halts. */
    static final byte[] HELLO_LONG = {
            0x66, (byte) 0xba, (byte) 0xf8, 0x03,   // mov dx, 0x3f8
            (byte) 0xb0, 'l', (byte) 0xee,          // mov al, 'l'; out dx, al
            (byte) 0xb0, 'o', (byte) 0xee,          // mov al, 'o'; out dx, al
            (byte) 0xb0, 'n', (byte) 0xee,          // mov al, 'n'; out dx, al
            (byte) 0xb0, 'g', (byte) 0xee,          // mov al, 'g'; out dx, al
            (byte) 0xb0, '\n', (byte) 0xee,         // mov al, '\n'; out dx, al
            (byte) 0xf4};                           // hlt

    @TempDir
    Path dir;

    private static void assumeKvm() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
    }

    @Test
    void realModeHelloPrintsOnStdoutAndExitsZero() throws Exception {
        assumeKvm();
        Path bin = Files.write(dir.resolve("hello.bin"), HELLO_REAL);
        var r = JvmmProcess.run(60, null, "run", "--kernel-format", "raw", "--kernel", bin.toString(), "--entry", "real:0x1000");
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("", r.stderr());
    }

    @Test
    void theSeccompFilterIsInstalledBeforeTheGuestRunsUnlessAskedNot() throws Exception {
        assumeKvm();
        Path bin = Files.write(dir.resolve("hello.bin"), HELLO_REAL);
        var r = JvmmProcess.run(60, null, "run", "-v", "--kernel-format", "raw", "--kernel", bin.toString());
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("seccomp filter installed on all threads"), r.stderr());
        assertTrue(r.stderr().indexOf("seccomp filter installed") < r.stderr().indexOf("guest ended"), r.stderr());
        var off = JvmmProcess.run(60, null, "run", "-v", "--no-seccomp", "--kernel-format", "raw", "--kernel", bin.toString());
        assertEquals("hello\n", off.stdout(), off.stderr());
        assertTrue(off.stderr().contains("no seccomp filter (--no-seccomp)"), off.stderr());
        assertFalse(off.stderr().contains("seccomp filter installed"), off.stderr());
    }

    @Test
    void longModeHelloWithStats() throws Exception {
        assumeKvm();
        Path bin = Files.write(dir.resolve("long.bin"), HELLO_LONG);
        var r = JvmmProcess.run(60, null, "run", "--kernel-format", "raw", "--kernel", bin.toString(),
                "--entry", "long:0x100000", "--memory", "8M", "--stats");
        assertEquals("long\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("IO_OUT                    5"), r.stderr());
        assertTrue(r.stderr().contains("serial                    5"), r.stderr());
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit() throws Exception {
        Path bin = Files.write(dir.resolve("hello.bin"), HELLO_REAL);
        String[][] cases = {
                {"run", "--kernel-format", "raw", "--kernel", dir.resolve("missing.bin").toString()},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--memory", "0"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--memory", "999T"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--memory", "lots"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--cpus", "0"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--entry", "weird:12"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--kvm-device", "/nonexistent/kvm"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--kvm-device", bin.toString()},
                {"run", "--kernel", bin.toString(), "--kvm-device", "/dev/kvm"},
                {"run", "--no-such-option"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--keep-disk-changes"},
                {"run", "--kernel-format", "raw", "--kernel", bin.toString(), "--disk", dir.resolve("missing.img").toString()},
        };
        for (String[] args : cases) {
            var r = JvmmProcess.run(60, null, args);
            String what = String.join(" ", args) + " -> " + r.stderr();
            assertTrue(r.status() != 0, what);
            assertTrue(r.stderr().startsWith("jvmm: "), what);
            assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), "no stack trace: " + what);
            long lines = r.stderr().lines().filter(l -> !l.startsWith("Try '")).count();
            assertEquals(1, lines, "one line: " + what);
        }
    }

    @Test
    void stackTracesOnlyWithVeryVerbose() throws Exception {
        var r = JvmmProcess.run(60, null, "-vv", "run", "--kernel-format", "raw", "--kernel", "/etc/hostname",
                "--kvm-device", "/nonexistent/kvm");
        assertTrue(r.status() != 0);
        assertTrue(r.stderr().contains("\tat "), r.stderr());
    }
}
