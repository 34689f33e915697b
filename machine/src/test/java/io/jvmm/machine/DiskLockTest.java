package io.jvmm.machine;

import io.jvmm.core.sys.OwnedFd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Disk locks within one process (two jvmm processes: the CLI's DiskLockProcessTest). KVM-free. */
class DiskLockTest {
    @TempDir
    Path dir;

    private Path image(String name) throws Exception {
        return Files.write(dir.resolve(name), new byte[4096]);
    }

    @Test
    void aSecondWriterGetsOneLineNamingTheDiskAndFile() throws Exception {
        Path img = image("x.img");
        try (OwnedFd first = DiskLock.acquire(0, new MachineSpec.DiskSpec(img, false))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DiskLock.acquire(1, new MachineSpec.DiskSpec(img, false)));
            assertEquals("disk 1: " + img + " is locked by another process (in use by another VMM?)", e.getMessage());
            IllegalArgumentException ro = assertThrows(IllegalArgumentException.class,
                    () -> DiskLock.acquire(2, new MachineSpec.DiskSpec(img, true)));
            assertTrue(ro.getMessage().startsWith("disk 2: " + img + " is locked by another process that writes it"),
                    ro.getMessage());
        }
        assertDoesNotThrow(() -> DiskLock.acquire(0, new MachineSpec.DiskSpec(img, false)).close(), "released on close");
    }

    @Test
    void readersShareAndACopyOnWriteDiskOnlyReadsItsFile() throws Exception {
        Path img = image("base.img");
        try (OwnedFd ro = DiskLock.acquire(0, new MachineSpec.DiskSpec(img, true));
             OwnedFd cow = DiskLock.acquire(1, new MachineSpec.DiskSpec(img, false, true))) {
            assertThrows(IllegalArgumentException.class, () -> DiskLock.acquire(2, new MachineSpec.DiskSpec(img, false)),
                    "a writer must wait for every reader, the copy-on-write base included");
        }
    }

    @Test
    void oneWrittenFileCannotBeTwoDisksOfOneMachine() throws Exception {
        Path img = image("y.img");
        Path link = Files.createSymbolicLink(dir.resolve("link.img"), img);
        List<MachineSpec.DiskSpec> disks = List.of(new MachineSpec.DiskSpec(img, false),
                new MachineSpec.DiskSpec(link, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtioDevices.checkNotAttachedTwice(disks, 1));
        assertEquals("disk 1: " + link + " is already disk 0 of this machine; a file written by one disk cannot be "
                + "attached twice", e.getMessage());
        assertDoesNotThrow(() -> VirtioDevices.checkNotAttachedTwice(
                List.of(new MachineSpec.DiskSpec(img, true), new MachineSpec.DiskSpec(link, false, true)), 1),
                "two readers of one file are fine");
    }

    @Test
    void aMissingFileIsNamed() {
        Path none = dir.resolve("none.img");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DiskLock.acquire(0, new MachineSpec.DiskSpec(none, false)));
        assertTrue(e.getMessage().startsWith("disk 0: " + none + ": cannot open for writing") && e.getMessage().contains("ENOENT"),
                e.getMessage());
    }

    @Test
    void readOnlyAndCopyOnWriteExcludeEachOther() {
        assertThrows(IllegalArgumentException.class, () -> new MachineSpec.DiskSpec(dir, true, true));
    }
}
