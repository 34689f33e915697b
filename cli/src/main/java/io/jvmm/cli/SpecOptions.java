package io.jvmm.cli;

import io.jvmm.machine.MachineSpec;

import java.nio.file.Path;

/**
 * The syntax of {@code jvmm run}'s machine options: each turns option text into a spec value, or a
 * {@link UserError} in the option's own words. What the values mean (does the disk exist, is the address
 * usable) is {@link MachineSpec}'s to check.
 */
final class SpecOptions {
    private SpecOptions() {
    }

    /** {@code --disk PATH[,ro|,rw]}. */
    static MachineSpec.DiskSpec disk(String text) {
        String[] parts = text.split(",");
        boolean ro = false;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equals("ro")) {
                ro = true;
            } else if (!parts[i].equals("rw")) {
                throw new UserError("--disk " + text + ": unknown option '" + parts[i] + "' (only ro, rw)");
            }
        }
        if (parts.length == 0 || parts[0].isEmpty()) {
            throw new UserError("--disk needs a path: --disk PATH[,ro]");
        }
        return new MachineSpec.DiskSpec(Path.of(parts[0]), ro);
    }

    /** {@code --net tap=NAME[,mac=aa:bb:cc:dd:ee:ff]}. */
    static MachineSpec.NetSpec net(String text) {
        String tap = null;
        String mac = null;
        for (String part : text.split(",")) {
            if (part.startsWith("tap=")) {
                tap = part.substring(4);
            } else if (part.startsWith("mac=")) {
                mac = part.substring(4);
            } else {
                throw new UserError("--net " + text + ": unknown option '" + part + "' (tap=NAME, mac=MAC)");
            }
        }
        if (tap == null || tap.isEmpty()) {
            throw new UserError("--net " + text + ": needs tap=NAME");
        }
        return new MachineSpec.NetSpec(tap, mac);
    }

    /** {@code --entry real:0x1000} or {@code --entry long:0x100000}. */
    static MachineSpec.RawEntry entry(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new UserError("--entry must be real:ADDRESS or long:ADDRESS, got '" + text + "'");
        }
        MachineSpec.RawEntry.Mode mode = switch (text.substring(0, colon)) {
            case "real" -> MachineSpec.RawEntry.Mode.REAL;
            case "long" -> MachineSpec.RawEntry.Mode.LONG;
            default -> throw new UserError("--entry mode must be 'real' or 'long', got '" + text.substring(0, colon) + "'");
        };
        String a = text.substring(colon + 1);
        long address;
        try {
            address = a.startsWith("0x") || a.startsWith("0X") ? Long.parseUnsignedLong(a.substring(2), 16) : Long.parseLong(a);
        } catch (NumberFormatException e) {
            throw new UserError("--entry address '" + a + "' is not a number (e.g. 0x1000)");
        }
        return new MachineSpec.RawEntry(mode, address);
    }

    /** {@code --kernel-format auto|bzimage|elf|raw}. */
    static MachineSpec.KernelFormat kernelFormat(String text) {
        return switch (text) {
            case "auto" -> MachineSpec.KernelFormat.AUTO;
            case "bzimage" -> MachineSpec.KernelFormat.BZIMAGE;
            case "elf" -> MachineSpec.KernelFormat.ELF;
            case "raw" -> MachineSpec.KernelFormat.RAW;
            default -> throw new UserError("--kernel-format must be auto, bzimage, elf or raw, got '" + text + "'");
        };
    }

    /** {@code on} or {@code off}, for {@code option}. */
    static boolean onOff(String text, String option) {
        return switch (text) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UserError(option + " must be on or off, got '" + text + "'");
        };
    }
}
