package io.jvmm.core.sys;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestMemoryException;
import io.jvmm.core.memory.GuestRegion;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Large copies into a memfd-backed region go through pwrite and land where the mapping shows them. */
class GuestRamFileWriteTest {
    private static final long SIZE = 4L << 20;

    @Test
    void largeNativeCopiesArePwrittenSmallOnesAndHeapOnesCopied() {
        List<long[]> calls = new ArrayList<>();
        try (OwnedFd ram = Sys.memfd("jvmm-test-ram", SIZE);
             Mapping m = Sys.mmap(SIZE, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED, ram.fd(), 0, "test RAM");
             Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.of(new GuestRegion(GuestAddress.of(0x1000_0000L), m.segment(), (off, src) -> {
                calls.add(new long[] {off, src.byteSize()});
                Sys.pwriteFully(ram.fd(), src, off, "test RAM");
            }));
            MemorySegment big = arena.allocate((1 << 20) + 3);
            for (long i = 0; i < big.byteSize(); i++) {
                big.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
            }
            GuestAddress at = GuestAddress.of(0x1000_1234L); // not page aligned
            memory.write(at, big);
            assertEquals(1, calls.size());
            assertEquals(0x1234, calls.getFirst()[0]);
            assertEquals(-1, memory.slice(at, big.byteSize()).mismatch(big), "the mapping shows what was pwritten");

            MemorySegment small = arena.allocate(4096).fill((byte) 0x11);
            memory.write(GuestAddress.of(0x1020_0000L), small);
            byte[] heap = new byte[1 << 20];
            java.util.Arrays.fill(heap, (byte) 0x22);
            memory.write(GuestAddress.of(0x1030_0000L), MemorySegment.ofArray(heap));
            assertEquals(1, calls.size(), "a small copy and a heap copy go through the mapping");
            assertEquals(0x11, memory.readU8(GuestAddress.of(0x1020_0fffL)));
            assertEquals(0x22, memory.readU8(GuestAddress.of(0x1030_0000L + heap.length - 1)));

            assertThrows(GuestMemoryException.class, () -> memory.write(GuestAddress.of(0x1000_0000L + SIZE - 10), big));
            assertEquals(1, calls.size());
        }
    }

    @Test
    void aFailedPwriteIsASysCallException() {
        try (Arena arena = Arena.ofConfined()) {
            SysCallException e = assertThrows(SysCallException.class,
                    () -> Sys.pwriteFully(-1, arena.allocate(16), 0, "nothing"));
            assertEquals(true, e.getMessage().contains("pwrite(nothing)") && e.getMessage().contains("EBADF"), e.getMessage());
        }
    }
}
