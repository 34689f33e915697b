package io.jvmm.core.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusTest {
    static final class Dev implements BusDevice {
        final List<String> log = new ArrayList<>();

        public void read(long offset, byte[] data) {
            log.add("r" + offset);
            data[0] = (byte) offset;
        }

        public void write(long offset, byte[] data) {
            log.add("w" + offset + "=" + data[0]);
        }
    }

    @Test
    void accessesReachTheDeviceWithBaseRelativeOffsets() {
        Bus bus = new Bus("pio");
        Dev uart = new Dev();
        Dev other = new Dev();
        bus.insert("uart", 0x3f8, 8, uart);
        bus.insert("other", 0x60, 1, other);
        byte[] b = new byte[1];
        assertEquals("uart", bus.read(0x3fd, b).name());
        assertEquals(5, b[0]);
        bus.write(0x3f8, new byte[] {42});
        assertEquals(List.of("r5", "w0=42"), uart.log);
        assertNull(bus.read(0x3f7, b), "below the range");
        assertNull(bus.read(0x400, b), "past the range");
        assertSame(other, bus.find(0x60).device());
    }

    @Test
    void zeroLengthOverflowingAndOverlappingRangesAreRejected() {
        Bus bus = new Bus("mmio");
        bus.insert("a", 0x1000, 0x1000, new Dev());
        assertThrows(BusException.class, () -> bus.insert("zero", 0x5000, 0, new Dev()));
        assertThrows(BusException.class, () -> bus.insert("negative", 0x5000, -5, new Dev()));
        assertThrows(BusException.class, () -> bus.insert("wraps", 0xffff_ffff_ffff_f000L, 0x2000, new Dev()));
        var e = assertThrows(BusException.class, () -> bus.insert("b", 0x1fff, 0x10, new Dev()));
        assertTrue(e.getMessage().contains("overlaps a"), e.getMessage());
        assertThrows(BusException.class, () -> bus.insert("c", 0x0, 0x1001, new Dev()));
        assertThrows(BusException.class, () -> bus.insert("d", 0x0, 0x10000, new Dev()), "covers a entirely");
        bus.insert("adjacent", 0x2000, 0x1000, new Dev());
        bus.insert("top", 0xffff_ffff_ffff_f000L, 0x1000, new Dev());
        assertEquals("top", bus.find(-1L).name());
    }
}
