package io.jvmm.core.vm;

import io.jvmm.core.memory.GuestMemoryException;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VirtualMachine's write into the RAM memfd: the bytes land, and a source that cannot be read is one clear error. */
class WriteRamTest {
    private static final long SIZE = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void bytesFromAMappedFileLandAndAShrunkFileIsAGuestMemoryException() throws Exception {
        byte[] data = new byte[256 * 1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13);
        }
        Path file = Files.write(dir.resolve("kernel"), data);
        try (OwnedFd ram = Sys.memfd("jvmm-test-ram", SIZE);
             Mapping m = Sys.mmap(SIZE, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED, ram.fd(), 0, "test RAM");
             Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length, arena);
            VirtualMachine.writeRam(ram, m.segment(), 0x3010, mapped);
            assertEquals(-1, m.segment().asSlice(0x3010, data.length).mismatch(MemorySegment.ofArray(data)));
            assertEquals(data[data.length - 1], m.segment().get(ValueLayout.JAVA_BYTE, 0x3010 + data.length - 1));

            ch.truncate(4096); // the rest of the mapping now faults: pwrite gets EFAULT
            GuestMemoryException e = assertThrows(GuestMemoryException.class,
                    () -> VirtualMachine.writeRam(ram, m.segment(), 0x80000, mapped));
            assertTrue(e.getMessage().startsWith("writing 0x40000 bytes to guest RAM at +0x80000 failed: pwrite(guest RAM)"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("EFAULT"), e.getMessage());
        }
    }
}
