package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuFeature;

import java.nio.file.Path;
import java.util.List;
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
 * @param disks        virtio-blk disks, the first is /dev/vda
 * @param nets         virtio-net interfaces on host TAPs
 * @param rng          a virtio-rng device
 */
public record MachineSpec(Path kernel, KernelFormat format, RawEntry rawEntry, Path initrd, String cmdline,
                          long memoryBytes, int cpus, Set<CpuFeature> cpuClear, boolean hostProfile,
                          boolean traceExits, List<DiskSpec> disks, List<NetSpec> nets, boolean rng) {

    public MachineSpec {
        disks = List.copyOf(disks);
        nets = List.copyOf(nets);
    }

    /** The same machine with another kernel command line. */
    public MachineSpec withCmdline(String line) {
        return new MachineSpec(kernel, format, rawEntry, initrd, line, memoryBytes, cpus, cpuClear, hostProfile,
                traceExits, disks, nets, rng);
    }

    /**
     * A raw disk image; {@code readOnly} makes it read-only for the guest (VIRTIO_BLK_F_RO). With
     * {@code copyOnWrite} the guest may write, but its writes go to a private overlay discarded when
     * the machine closes, and the file itself is opened read-only.
     */
    public record DiskSpec(Path path, boolean readOnly, boolean copyOnWrite) {
        public DiskSpec {
            if (readOnly && copyOnWrite) {
                throw new IllegalArgumentException("disk " + path + ": read-only and copy-on-write exclude each other");
            }
        }

        /** A disk written in place (or read-only). */
        public DiskSpec(Path path, boolean readOnly) {
            this(path, readOnly, false);
        }

        /** True when the file itself gets written, so its lock must be exclusive. */
        public boolean writesFile() {
            return !readOnly && !copyOnWrite;
        }

        /** Parses {@code PATH[,ro]}. */
        public static DiskSpec parse(String text) {
            String[] parts = text.split(",");
            boolean ro = false;
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].equals("ro")) {
                    ro = true;
                } else if (!parts[i].equals("rw")) {
                    throw new IllegalArgumentException("--disk " + text + ": unknown option '" + parts[i] + "' (only ro, rw)");
                }
            }
            if (parts.length == 0 || parts[0].isEmpty()) {
                throw new IllegalArgumentException("--disk needs a path: --disk PATH[,ro]");
            }
            return new DiskSpec(Path.of(parts[0]), ro);
        }
    }

    /** A virtio-net interface on host TAP {@code tap}, with MAC {@code mac} (null: generated). */
    public record NetSpec(String tap, String mac) {
        /** Parses {@code tap=NAME[,mac=aa:bb:cc:dd:ee:ff]}. */
        public static NetSpec parse(String text) {
            String tap = null;
            String mac = null;
            for (String part : text.split(",")) {
                if (part.startsWith("tap=")) {
                    tap = part.substring(4);
                } else if (part.startsWith("mac=")) {
                    mac = part.substring(4);
                } else {
                    throw new IllegalArgumentException("--net " + text + ": unknown option '" + part + "' (tap=NAME, mac=MAC)");
                }
            }
            if (tap == null || tap.isEmpty()) {
                throw new IllegalArgumentException("--net " + text + ": needs tap=NAME");
            }
            return new NetSpec(tap, mac);
        }
    }

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
