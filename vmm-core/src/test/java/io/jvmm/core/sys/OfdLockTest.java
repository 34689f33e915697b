package io.jvmm.core.sys;

import io.jvmm.core.kvm.KernelHeaderCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemoryLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** OFD locks between open file descriptions of one process (the two-process case is in the CLI's tests). */
class OfdLockTest {
    @TempDir
    Path dir;

    private Path image() throws Exception {
        Path p = dir.resolve("disk.img");
        if (!Files.exists(p)) {
            Files.write(p, new byte[4096]);
        }
        return p;
    }

    @Test
    void exclusiveExcludesEveryOtherLockUntilClosed() throws Exception {
        String p = image().toString();
        try (OwnedFd w = OfdLock.tryLock(p, true)) {
            assertNotNull(w);
            assertNull(OfdLock.tryLock(p, true), "a second writer in the same process conflicts");
            assertNull(OfdLock.tryLock(p, false), "a reader conflicts with the writer");
        }
        try (OwnedFd again = OfdLock.tryLock(p, true)) {
            assertNotNull(again, "closing the holder released the lock");
        }
    }

    @Test
    void sharedLocksCoexistAndExcludeAWriter() throws Exception {
        String p = image().toString();
        try (OwnedFd r1 = OfdLock.tryLock(p, false); OwnedFd r2 = OfdLock.tryLock(p, false)) {
            assertNotNull(r1);
            assertNotNull(r2);
            assertNull(OfdLock.tryLock(p, true));
            assertTrue(OfdLock.wouldConflict(r1, true), "GETLK sees r2's shared lock against a write lock");
            assertFalse(OfdLock.wouldConflict(r1, false));
        }
    }

    @Test
    void closingAnotherDescriptorOfTheFileKeepsTheLock() throws Exception {
        Path p = image();
        try (OwnedFd w = OfdLock.tryLock(p.toString(), true)) {
            assertNotNull(w);
            // A POSIX record lock would be dropped here (close of any fd of the file in this process).
            Files.readAllBytes(p);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ch.size();
            }
            assertNull(OfdLock.tryLock(p.toString(), false), "still locked");
        }
    }

    @Test
    void missingFileIsAnErrorNamingIt() {
        SysCallException e = assertThrows(SysCallException.class,
                () -> OfdLock.tryLock(dir.resolve("none.img").toString(), false));
        assertTrue(e.getMessage().contains("none.img") && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void flockLayoutAndConstantsMatchTheHeaders() throws Exception {
        assumeTrue(KernelHeaderCheck.available(), KernelHeaderCheck.unavailableReason());
        Map<String, String> expr = new LinkedHashMap<>();
        Map<String, Long> java = new LinkedHashMap<>();
        expr.put("sizeof", "sizeof(struct flock)");
        java.put("sizeof", OfdLock.FLOCK.byteSize());
        for (String f : new String[] {"l_type", "l_whence", "l_start", "l_len", "l_pid"}) {
            expr.put(f, "offsetof(struct flock, " + f + ")");
            java.put(f, OfdLock.FLOCK.byteOffset(MemoryLayout.PathElement.groupElement(f)));
        }
        expr.put("F_OFD_GETLK", "F_OFD_GETLK");
        java.put("F_OFD_GETLK", (long) OfdLock.F_OFD_GETLK);
        expr.put("F_OFD_SETLK", "F_OFD_SETLK");
        java.put("F_OFD_SETLK", (long) OfdLock.F_OFD_SETLK);
        expr.put("F_RDLCK", "F_RDLCK");
        java.put("F_RDLCK", (long) OfdLock.F_RDLCK);
        expr.put("F_WRLCK", "F_WRLCK");
        java.put("F_WRLCK", (long) OfdLock.F_WRLCK);
        expr.put("F_UNLCK", "F_UNLCK");
        java.put("F_UNLCK", (long) OfdLock.F_UNLCK);
        Map<String, Long> c = KernelHeaderCheck.evaluate("#define _GNU_SOURCE\n#include <fcntl.h>\n", expr);
        assertEquals(c, java);
    }
}
