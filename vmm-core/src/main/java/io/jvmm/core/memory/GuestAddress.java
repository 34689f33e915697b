package io.jvmm.core.memory;

/**
 * A guest physical address. A type of its own so that a guest address is never mixed up with a host
 * offset, a length or a host pointer. The value is an unsigned 64-bit number held in a {@code long}.
 */
public record GuestAddress(long value) implements Comparable<GuestAddress> {

    public static GuestAddress of(long value) {
        return new GuestAddress(value);
    }

    /** This address plus {@code offset}; throws when the sum wraps past 2^64. */
    public GuestAddress plus(long offset) {
        long sum = value + offset;
        if (offset >= 0 ? Long.compareUnsigned(sum, value) < 0 : Long.compareUnsigned(sum, value) > 0) {
            throw new GuestMemoryException("guest address " + this + " + " + offset + " overflows");
        }
        return new GuestAddress(sum);
    }

    /** Unsigned distance from {@code base} to this address; negative result means below base. */
    public long offsetFrom(GuestAddress base) {
        return value - base.value;
    }

    @Override
    public int compareTo(GuestAddress o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(value);
    }
}
