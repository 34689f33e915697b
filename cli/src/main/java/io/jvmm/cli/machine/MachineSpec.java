package io.jvmm.cli.machine;

import io.jvmm.boot.cpu.CpuFeature;

import java.nio.file.Path;
import java.util.Set;

/**
 * Everything needed to build a machine, as the user asked for it (already validated for syntax).
 *
 * @param kernel       kernel image (bzImage, ELF vmlinux, or a flat binary with {@link KernelFormat#RAW})
 * @param format       how to read {@code kernel}
 * @param rawEntry     where a raw binary is loaded and entered (RAW only)
 * @param initrd       initial ramdisk, or null
 * @param cmdline      the full kernel command line jvmm passes (defaults already applied)
 * @param memoryBytes  guest RAM
 * @param cpus         number of vCPUs
 * @param cpuClear     CPUID features to hide from the guest, on top of the host profile
 * @param hostProfile  true to apply the emulating-host profile when this host needs it
 * @param traceExits   print one line per exit on stderr
 */
public record MachineSpec(Path kernel, KernelFormat format, RawEntry rawEntry, Path initrd, String cmdline,
                          long memoryBytes, int cpus, Set<CpuFeature> cpuClear, boolean hostProfile,
                          boolean traceExits) {

    public enum KernelFormat { AUTO, BZIMAGE, ELF, RAW }

    /** Where a flat binary goes and in which CPU mode it starts. */
    public record RawEntry(Mode mode, long address) {
        public enum Mode { REAL, LONG }

        /** Parses {@code real:0x1000} or {@code long:0x100000}. */
        public static RawEntry parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--entry must be real:ADDRESS or long:ADDRESS, got '" + text + "'");
            }
            Mode mode = switch (text.substring(0, colon)) {
                case "real" -> Mode.REAL;
                case "long" -> Mode.LONG;
                default -> throw new IllegalArgumentException("--entry mode must be 'real' or 'long', got '"
                        + text.substring(0, colon) + "'");
            };
            String a = text.substring(colon + 1);
            long address;
            try {
                address = a.startsWith("0x") || a.startsWith("0X") ? Long.parseUnsignedLong(a.substring(2), 16) : Long.parseLong(a);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--entry address '" + a + "' is not a number (e.g. 0x1000)");
            }
            if (mode == Mode.REAL && (address < 0 || address > 0xffff)) {
                throw new IllegalArgumentException("--entry real:ADDRESS must be below 0x10000 (one 64 KiB real-mode segment), got 0x"
                        + Long.toHexString(address));
            }
            return new RawEntry(mode, address);
        }
    }
}
