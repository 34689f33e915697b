package io.jvmm.core.bus;

/**
 * A device on a port-I/O or MMIO bus. Offsets are relative to the base at which the device was
 * inserted, so a device does not know where it lives. {@code data.length} is the access width (1, 2,
 * 4 or 8 bytes); values are little-endian, as on x86.
 *
 * <p>Called from vCPU threads, possibly several at once: implementations synchronise their own state.
 * A guest access a device does not implement reads as all ones or is ignored; it never throws.
 */
public interface BusDevice {
    /** Fills {@code data} with what the guest reads at {@code offset}. */
    void read(long offset, byte[] data);

    /** Takes what the guest wrote at {@code offset}. */
    void write(long offset, byte[] data);

    /**
     * For exit traces only ({@code jvmm run --trace-exits}): the register at {@code offset} as the
     * device's specification names it, and what this access means. Called after the access, with the
     * bytes written or read; never on the fast path. Null (the default) when the device does not say.
     */
    default Register describe(long offset, boolean write, byte[] data) {
        return null;
    }

    /**
     * A register's name as the spec or Linux header spells it ({@code "THR"}, {@code "QueueNotify"}),
     * which traces group by, and what the access did, in a few words ({@code "transmit"}, {@code "queue 0"};
     * may be empty).
     */
    record Register(String name, String meaning) {
        public Register {
            java.util.Objects.requireNonNull(name, "name");
            meaning = meaning == null ? "" : meaning;
        }
    }
}
