package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two jvmm processes and one disk image: the second is refused with one line while the first runs,
 * and gets the disk once the first is gone. The holder is the raw hello guest with a disk: with a
 * virtio device it runs on the in-kernel irqchip, so its final HLT waits until --timeout.
 */
@Tag("kvm")
@Timeout(180)
class DiskLockProcessTest {
    @TempDir
    Path dir;

    @Test
    void aSecondVmmCannotOpenAnImageInUse() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
        Path bin = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path img = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        String[] raw = {"run", "--kernel-format", "raw", "--kernel", bin.toString()};

        Process holder = new ProcessBuilder(JvmmProcess.command(concat(raw, "--disk", img.toString(), "--timeout", "120")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("hello", out.readLine(), "the holder's guest runs (its disk is attached)");

            var writer = JvmmProcess.run(60, null, concat(raw, "--disk", img.toString()));
            assertNotEquals(0, writer.status());
            assertEquals("jvmm: disk 0: " + img + " is locked by another process (in use by another VMM?)\n", writer.stderr());
            assertEquals("", writer.stdout(), "the second guest never ran");

            var reader = JvmmProcess.run(60, null, concat(raw, "--disk", img + ",ro"));
            assertNotEquals(0, reader.status());
            assertTrue(reader.stderr().contains("disk 0: " + img + " is locked by another process that writes it"),
                    reader.stderr());
            assertTrue(holder.isAlive(), "the holder kept running");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        // The kernel dropped the dead holder's lock: the disk opens, the guest runs until its --timeout.
        var after = JvmmProcess.run(60, null, concat(raw, "--disk", img.toString(), "--timeout", "1"));
        assertEquals("hello\n", after.stdout(), after.stderr());
        assertFalse(after.stderr().contains("locked"), after.stderr());
        assertTrue(after.stderr().contains("guest still running after --timeout 1 s"), after.stderr());
    }

    @Test
    void oneImageTwiceInOneMachineIsRefused() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
        Path bin = Files.write(dir.resolve("hello.bin"), io.jvmm.machine.HelloGuest.realMode());
        Path img = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        var r = JvmmProcess.run(60, null, "run", "--kernel-format", "raw", "--kernel", bin.toString(),
                "--disk", img.toString(), "--disk", img + ",ro");
        assertNotEquals(0, r.status());
        assertEquals("jvmm: disk 1: " + img + " is already disk 0 of this machine; a file written by one disk cannot be "
                + "attached twice\n", r.stderr());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
