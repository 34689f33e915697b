package io.jvmm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jvmm run --snapshot-at ready --snapshot-dir DIR --exit-after-snapshot}, then {@code jvmm run
 * --restore DIR} in a new process: the restored guest answers what is typed on its console.
 */
@Tag("kvm")
@Timeout(180)
class SnapshotCliTest {
    /**
     * A long-mode guest that signals "booted" on the boot timer, then echoes each console byte plus one
     * (polling the 16550's LSR) and, on 'q', pulses the i8042's reset line (the machine ends with status 0;
     * a HLT would not end it once virtio devices give the VM an in-kernel irqchip).
     * <pre>
     *   0x00 b8 00 00 00 c0     mov eax, 0xc0000000       ; boot timer
     *   0x05 c6 00 7b           mov byte [rax], 123
     *   0x08 66 ba fc 03        mov dx, 0x3fc             ; MCR
     *   0x0c b0 03              mov al, 3                 ; UART_MCR_DTR | UART_MCR_RTS: ready for input
     *   0x0e ee                 out dx, al
     *   0x0f 66 ba fd 03  wait: mov dx, 0x3fd             ; LSR
     *   0x13 ec           poll: in al, dx
     *   0x14 a8 01              test al, 1                ; UART_LSR_DR
     *   0x16 74 fb              jz poll
     *   0x18 66 ba f8 03        mov dx, 0x3f8             ; RBR / THR
     *   0x1c ec                 in al, dx
     *   0x1d 3c 71              cmp al, 'q'
     *   0x1f 74 05              je done
     *   0x21 fe c0              inc al
     *   0x23 ee                 out dx, al
     *   0x24 eb e9              jmp wait
     *   0x26 b0 fe        done: mov al, 0xfe            ; I8042_CMD_PULSE_RESET
     *   0x28 e6 64              out 0x64, al
     *   0x2a f4                 hlt
     * </pre>
     */
    static final byte[] ECHO_GUEST = {(byte) 0xb8, 0x00, 0x00, 0x00, (byte) 0xc0, (byte) 0xc6, 0x00, 0x7b,
            0x66, (byte) 0xba, (byte) 0xfc, 0x03, (byte) 0xb0, 0x03, (byte) 0xee,
            0x66, (byte) 0xba, (byte) 0xfd, 0x03, (byte) 0xec, (byte) 0xa8, 0x01, 0x74, (byte) 0xfb,
            0x66, (byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xec, 0x3c, 0x71, 0x74, 0x05, (byte) 0xfe, (byte) 0xc0,
            (byte) 0xee, (byte) 0xeb, (byte) 0xe9, (byte) 0xb0, (byte) 0xfe, (byte) 0xe6, 0x64, (byte) 0xf4};

    @TempDir
    Path dir;

    @Test
    void snapshotWhenReadyThenRestoreInANewProcessAndType() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
        Path bin = Files.write(dir.resolve("echo.bin"), ECHO_GUEST);
        Path snap = dir.resolve("snap");
        JvmmProcess.Result taken = JvmmProcess.run(120, null, "run", "--kernel-format", "raw", "--kernel", bin.toString(),
                "--entry", "long:0x1000", "--memory", "256M", "--snapshot-at", "ready", "--snapshot-dir", snap.toString(),
                "--exit-after-snapshot");
        assertEquals(0, taken.status(), taken.stderr());
        assertTrue(taken.stderr().contains("jvmm: snapshot in " + snap), taken.stderr());
        System.err.print(taken.stderr());
        assertEquals(256L << 20, Files.size(snap.resolve("memory.bin")));

        JvmmProcess.Result shown = JvmmProcess.run(60, null, "snapshot", "show", snap.toString());
        assertEquals(0, shown.status(), shown.stderr());
        assertTrue(shown.stdout().contains("vcpu 0: long mode, ring 0, rip 0x1"), shown.stdout());

        long t0 = System.nanoTime();
        JvmmProcess.Result restored = JvmmProcess.run(60, "abcq".getBytes(StandardCharsets.US_ASCII),
                "run", "--restore", snap.toString());
        System.err.printf("jvmm run --restore, whole process (JVM start, restore, echo, exit): %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        assertEquals(0, restored.status(), restored.stderr());
        assertEquals("bcd", restored.stdout(), restored.stderr());

        JvmmProcess.Result bad = JvmmProcess.run(60, null, "run", "--restore", dir.toString());
        assertEquals(1, bad.status(), bad.stderr());
        assertTrue(bad.stderr().contains(dir.resolve("state.json") + ": no such file"), bad.stderr());
    }

    /**
     * Virtio devices travel in the snapshot: the echo guest with a disk and an RNG (which it never drives)
     * is snapshotted; {@code snapshot show} lists them; a restore with another disk of the same size answers
     * on its console, one with a disk of another size or with the disk's mode changed is one line.
     */
    @Test
    void snapshotWithADiskAndAnRngThenRestoreWithAnotherDisk() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
        Path bin = Files.write(dir.resolve("echo.bin"), ECHO_GUEST);
        Path disk = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        Path snap = dir.resolve("snap");
        JvmmProcess.Result taken = JvmmProcess.run(120, null, "run", "--kernel-format", "raw", "--kernel", bin.toString(),
                "--entry", "long:0x1000", "--rng", "--disk", disk.toString(), "--snapshot-at", "ready",
                "--snapshot-dir", snap.toString(), "--exit-after-snapshot");
        assertEquals(0, taken.status(), taken.stderr());

        JvmmProcess.Result shown = JvmmProcess.run(60, null, "snapshot", "show", snap.toString());
        assertEquals(0, shown.status(), shown.stderr());
        assertTrue(shown.stdout().contains("virtio-blk0 (virtio-blk): " + disk.toAbsolutePath() + " (read-write); slot 0"),
                shown.stdout());
        assertTrue(shown.stdout().contains("virtio-rng0 (virtio-rng): entropy from the host; slot 1"), shown.stdout());
        assertTrue(shown.stdout().contains("i8042 (i8042): "), shown.stdout());

        Path other = Files.write(dir.resolve("other.img"), new byte[1 << 20]);
        JvmmProcess.Result restored = JvmmProcess.run(60, "xyq".getBytes(StandardCharsets.US_ASCII),
                "run", "--restore", snap.toString(), "--disk", other.toString());
        assertEquals(0, restored.status(), restored.stderr());
        assertEquals("yz", restored.stdout(), restored.stderr());

        Path small = Files.write(dir.resolve("small.img"), new byte[4096]);
        JvmmProcess.Result resized = JvmmProcess.run(60, null, "run", "--restore", snap.toString(), "--disk", small.toString());
        assertEquals(1, resized.status(), resized.stderr());
        assertEquals(1, resized.stderr().strip().lines().count(), resized.stderr());
        assertTrue(resized.stderr().contains("the disk changed since the snapshot"), resized.stderr());

        JvmmProcess.Result readOnly = JvmmProcess.run(60, null, "run", "--restore", snap.toString(), "--disk", other + ",ro");
        assertEquals(2, readOnly.status(), readOnly.stderr());
        assertTrue(readOnly.stderr().contains("with --restore a disk keeps the snapshot's mode"), readOnly.stderr());
    }
}
