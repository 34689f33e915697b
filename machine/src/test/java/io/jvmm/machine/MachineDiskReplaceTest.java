package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Machine#replaceDisk} on a live machine (Firecracker's PATCH /drives) and the counters the metrics
 * read: a raw guest with one virtio disk prints "hello" and then waits in HLT (the in-kernel irqchip keeps
 * it there) while the test swaps the disk's file.
 */
@Tag("kvm")
@Timeout(60)
class MachineDiskReplaceTest {
    @TempDir
    Path dir;

    @Test
    void aRunningOrPausedMachineGetsTheNewFileAndTheOldOneIsUnlocked() throws Exception {
        ExitPathProbeTest.assumeKvm();
        Path a = Files.write(dir.resolve("a.img"), new byte[4096]);
        Path b = Files.write(dir.resolve("b.img"), new byte[3 * 4096]);
        MachineSpec spec = MachineSpec.builder().kernel(Files.write(dir.resolve("hello.bin"), HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).memoryBytes(1L << 20).cpuProfile(CpuProfile.HARDWARE)
                .disk(a, false).build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Hypervisor h = Hypervisor.open(); Machine m = Machine.build(h, spec, console, System.nanoTime())) {
            m.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!console.toString(StandardCharsets.US_ASCII).equals("hello\n") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(MachineState.RUNNING, m.state());
            assertThrows(IllegalArgumentException.class, () -> DiskLock.acquire(9, new MachineSpec.DiskSpec(a, false)).close(),
                    "a.img is locked while it is the disk");

            assertEquals(3 * 4096, m.replaceDisk(0, b));
            assertEquals(MachineState.RUNNING, m.state(), "resumed after the swap");
            assertDoesNotThrow(() -> DiskLock.acquire(9, new MachineSpec.DiskSpec(a, false)).close(), "a.img unlocked");
            assertThrows(IllegalArgumentException.class, () -> DiskLock.acquire(9, new MachineSpec.DiskSpec(b, false)).close(),
                    "b.img locked");

            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> m.replaceDisk(0, dir.resolve("nope.img")));
            assertTrue(missing.getMessage().startsWith("disk "), missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> DiskLock.acquire(9, new MachineSpec.DiskSpec(b, false)).close(),
                    "a refused swap keeps the disk");
            assertThrows(IllegalArgumentException.class, () -> m.replaceDisk(1, a), "no disk 1");
            assertEquals(MachineState.RUNNING, m.state());

            m.pause();
            assertEquals(4096, m.replaceDisk(0, a));
            assertEquals(MachineState.PAUSED, m.state(), "a paused machine stays paused");
            m.resume();

            assertTrue(m.exitsByKind().getOrDefault("IO_OUT", 0L) >= 6, m.exitsByKind().toString());
            assertEquals(List.of("virtio-blk0"), List.copyOf(m.virtioDeviceCounters().keySet()));
            m.stop(MachineExit.ok("test over"));
            m.awaitExit(java.time.Duration.ofSeconds(10));
            assertThrows(IllegalStateException.class, () -> m.replaceDisk(0, b));
        }
    }
}
