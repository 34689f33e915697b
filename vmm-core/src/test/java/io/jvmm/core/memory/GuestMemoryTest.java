package io.jvmm.core.memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** 64 KiB at 0 and 64 KiB at 4 GiB, like RAM below and above the 32-bit MMIO hole. */
    private GuestMemory twoRegions() {
        return GuestMemory.of(List.of(
                new GuestRegion(GuestAddress.of(0x1_0000_0000L), arena.allocate(0x10000)),
                new GuestRegion(GuestAddress.of(0), arena.allocate(0x10000))));
    }

    @Test
    void typedAccessIsLittleEndianInEveryRegion() {
        GuestMemory m = twoRegions();
        m.writeLong(GuestAddress.of(0x100), 0x1122334455667788L);
        assertEquals(0x88, m.readU8(GuestAddress.of(0x100)));
        assertEquals(0x7788, m.readU16(GuestAddress.of(0x100)));
        assertEquals(0x55667788, m.readInt(GuestAddress.of(0x100)));
        m.writeInt(GuestAddress.of(0x1_0000_fffcL), 0xcafebabe);
        assertEquals(0xcafebabe, m.readInt(GuestAddress.of(0x1_0000_fffcL)));
        assertEquals(0x20000L, m.totalSize());
        assertEquals(GuestAddress.of(0x1_0001_0000L), m.end());
    }

    @Test
    void accessOutsideEveryRegionNamesTheAddress() {
        GuestMemory m = twoRegions();
        var e = assertThrows(GuestMemoryException.class, () -> m.readInt(GuestAddress.of(0x10000)));
        assertTrue(e.getMessage().contains("0x10000"), e.getMessage());
        assertThrows(GuestMemoryException.class, () -> m.readInt(GuestAddress.of(0xfffe)), "straddles the end");
        assertThrows(GuestMemoryException.class, () -> m.slice(GuestAddress.of(0), -1));
        assertThrows(GuestMemoryException.class, () -> m.readByte(GuestAddress.of(-1L)), "top of the address space");
        assertThrows(GuestMemoryException.class, () -> m.slice(GuestAddress.of(0x8000), Long.MAX_VALUE));
        assertThrows(GuestMemoryException.class, () -> m.write(GuestAddress.of(0xffff), new byte[2]));
        assertFalse(m.contains(GuestAddress.of(0xf000), 0x2000));
        assertTrue(m.contains(GuestAddress.of(0xf000), 0x1000));
    }

    @Test
    void overlappingOrEmptyRegionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of(
                new GuestRegion(GuestAddress.of(0), arena.allocate(0x2000)),
                new GuestRegion(GuestAddress.of(0x1000), arena.allocate(0x2000)))));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new GuestRegion(GuestAddress.of(0), arena.allocate(0)));
        assertThrows(GuestMemoryException.class, () -> new GuestRegion(GuestAddress.of(-4096L), arena.allocate(0x2000)));
    }

    @Test
    void guestAddressArithmeticRefusesToWrap() {
        assertEquals(GuestAddress.of(0x1010), GuestAddress.of(0x1000).plus(0x10));
        assertThrows(GuestMemoryException.class, () -> GuestAddress.of(-1L).plus(1));
        assertEquals("0xc0000000", GuestAddress.of(0xc0000000L).toString());
    }
}
