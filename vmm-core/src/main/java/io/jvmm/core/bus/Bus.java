package io.jvmm.core.bus;

import java.util.Arrays;
import java.util.Objects;

/**
 * Maps address ranges (port I/O or guest-physical MMIO) to devices.
 *
 * <p>Ranges are inserted while the machine is assembled and looked up by vCPU threads on every
 * exit. Lookups read an immutable sorted array published through a volatile field, so they take no
 * lock; inserts copy the array.
 */
public final class Bus {
    /** A device and the range it answers: [base, base+length). */
    public record Mapping(String name, long base, long length, BusDevice device) {
        /** Last address of the range, inclusive (so a range ending at 2^64 is representable). */
        public long last() {
            return base + length - 1;
        }

        boolean covers(long addr) {
            return Long.compareUnsigned(addr, base) >= 0 && Long.compareUnsigned(addr, last()) <= 0;
        }
    }

    private final String name;
    private volatile Mapping[] mappings = new Mapping[0]; // sorted by base, non-overlapping

    /** @param name the bus's name for messages ("pio", "mmio") */
    public Bus(String name) {
        this.name = Objects.requireNonNull(name);
    }

    /** Inserts {@code device} at [base, base+length); rejects zero-length, overflowing, overlapping ranges. */
    public synchronized Mapping insert(String deviceName, long base, long length, BusDevice device) {
        Objects.requireNonNull(device, "device");
        if (length <= 0) {
            throw new BusException(name + " bus: range for " + deviceName + " at 0x" + Long.toHexString(base)
                    + " has length " + length + " (must be > 0)");
        }
        if (Long.compareUnsigned(base + length - 1, base) < 0) {
            throw new BusException(name + " bus: range for " + deviceName + " at 0x" + Long.toHexString(base)
                    + " with length 0x" + Long.toHexString(length) + " overflows the address space");
        }
        Mapping added = new Mapping(deviceName, base, length, device);
        for (Mapping m : mappings) {
            boolean disjoint = Long.compareUnsigned(added.last(), m.base()) < 0
                    || Long.compareUnsigned(m.last(), added.base()) < 0;
            if (!disjoint) {
                throw new BusException(name + " bus: range for " + deviceName + " [0x" + Long.toHexString(base)
                        + ", 0x" + Long.toHexString(added.last()) + "] overlaps " + m.name() + " [0x"
                        + Long.toHexString(m.base()) + ", 0x" + Long.toHexString(m.last()) + "]");
            }
        }
        Mapping[] next = Arrays.copyOf(mappings, mappings.length + 1);
        next[next.length - 1] = added;
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        mappings = next;
        return added;
    }

    /** The mapping that covers {@code addr}, or null. */
    public Mapping find(long addr) {
        Mapping[] ms = mappings;
        int lo = 0;
        int hi = ms.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = ms[mid];
            if (Long.compareUnsigned(addr, m.base()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(addr, m.last()) > 0) {
                lo = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }

    /**
     * Dispatches a read of {@code data.length} bytes at {@code addr}. Returns the mapping that handled
     * it, or null when no device covers the address (the caller decides what the guest sees).
     */
    public Mapping read(long addr, byte[] data) {
        Mapping m = find(addr);
        if (m != null) {
            m.device().read(addr - m.base(), data);
        }
        return m;
    }

    /** Dispatches a write at {@code addr}; returns the mapping that handled it, or null. */
    public Mapping write(long addr, byte[] data) {
        Mapping m = find(addr);
        if (m != null) {
            m.device().write(addr - m.base(), data);
        }
        return m;
    }

    public String name() {
        return name;
    }
}
