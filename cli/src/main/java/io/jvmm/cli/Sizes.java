package io.jvmm.cli;

import java.util.Locale;

/** Parses sizes as users write them: {@code 256M}, {@code 1G}, {@code 4096}, {@code 512K}. */
public final class Sizes {
    private Sizes() {
    }

    public static long parse(String text, String what) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
            if (unit != 1) {
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0) {
                throw new UserError(what + " must not be negative: " + text);
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException e) {
            throw new UserError(what + ": cannot read '" + text + "' as a size (examples: 256M, 1G, 65536)");
        } catch (ArithmeticException e) {
            throw new UserError(what + ": " + text + " is too large");
        }
    }

    public static String format(long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes >= (1L << 10) && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }
}
