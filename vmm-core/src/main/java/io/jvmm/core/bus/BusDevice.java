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
}
