package io.jvmm.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A kernel's symbol table from its {@code System.map} ("ffffffff81000000 T _text" per line), to name
 * the function a guest RIP falls in. Only text symbols (t/T/w/W) are kept.
 */
public final class SystemMap {
    private final long[] addresses; // sorted ascending
    private final String[] names;

    private SystemMap(long[] addresses, String[] names) {
        this.addresses = addresses;
        this.names = names;
    }

    public static SystemMap read(Path file) throws IOException {
        return parse(Files.readAllLines(file));
    }

    /** Parses System.map lines; malformed lines are skipped. */
    public static SystemMap parse(List<String> lines) {
        record Sym(long addr, String name) {
        }
        List<Sym> syms = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[1].length() != 1 || "tTwW".indexOf(f[1].charAt(0)) < 0) {
                continue;
            }
            try {
                syms.add(new Sym(Long.parseUnsignedLong(f[0], 16), f[2]));
            } catch (NumberFormatException e) {
                // not a symbol line
            }
        }
        syms.sort(Comparator.comparing(Sym::addr, Long::compareUnsigned));
        long[] a = new long[syms.size()];
        String[] n = new String[syms.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = syms.get(i).addr();
            n[i] = syms.get(i).name();
        }
        return new SystemMap(a, n);
    }

    public int size() {
        return addresses.length;
    }

    /** The function containing {@code rip} (the nearest text symbol at or below it), or null. */
    public String functionAt(long rip) {
        int i = floor(rip);
        return i < 0 ? null : names[i];
    }

    /** {@code function+0xoffset}, or the bare address in hex when no symbol is at or below it. */
    public String describe(long rip) {
        int i = floor(rip);
        return i < 0 ? "0x" + Long.toHexString(rip) : names[i] + "+0x" + Long.toHexString(rip - addresses[i]);
    }

    private int floor(long rip) {
        int lo = 0;
        int hi = addresses.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], rip) <= 0) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "SystemMap[" + addresses.length + " text symbols" + (addresses.length > 0
                ? ", " + names[0] + ".." + names[names.length - 1] : "") + "]";
    }
}
