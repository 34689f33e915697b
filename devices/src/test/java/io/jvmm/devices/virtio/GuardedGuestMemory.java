package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory for tests, backed by one confined arena allocation in which every guest region sits
 * between guard bands of a known pattern:
 *
 * <pre>
 * | guard | region 0 | guard | region 1 | guard |
 * </pre>
 *
 * A device that wrote even one byte past a region (through a host pointer, not through GuestMemory)
 * would change a guard; {@link #guardsIntact()} checks them all.
 */
public final class GuardedGuestMemory implements AutoCloseable {
    public static final int GUARD = 4096;
    private static final byte PATTERN = (byte) 0x5a;

    private final Arena arena;
    private final List<MemorySegment> guards = new ArrayList<>();
    private final GuestMemory memory;

    /** Confined to the creating thread; @param layout pairs of (guest start, size) */
    public GuardedGuestMemory(long... layout) {
        this(false, layout);
    }

    /** @param shared usable from several threads (an I/O thread); @param layout pairs of (start, size) */
    public GuardedGuestMemory(boolean shared, long... layout) {
        arena = shared ? Arena.ofShared() : Arena.ofConfined();
        long total = GUARD;
        for (int i = 1; i < layout.length; i += 2) {
            total += layout[i] + GUARD;
        }
        MemorySegment all = arena.allocate(total, 4096);
        List<GuestRegion> regions = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < layout.length; i += 2) {
            guards.add(all.asSlice(at, GUARD));
            at += GUARD;
            regions.add(new GuestRegion(new GuestAddress(layout[i]), all.asSlice(at, layout[i + 1])));
            at += layout[i + 1];
        }
        guards.add(all.asSlice(at, GUARD));
        for (MemorySegment g : guards) {
            g.fill(PATTERN);
        }
        memory = GuestMemory.of(regions);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** True when no guard byte changed. */
    public boolean guardsIntact() {
        for (MemorySegment g : guards) {
            for (long i = 0; i < g.byteSize(); i += 8) {
                if (g.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0x5a5a5a5a5a5a5a5aL) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Zeroes every region (guards untouched). */
    public void clear() {
        for (GuestRegion r : memory.regions()) {
            r.backing().fill((byte) 0);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
