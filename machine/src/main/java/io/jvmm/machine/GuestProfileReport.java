package io.jvmm.machine;

import io.jvmm.boot.SystemMap;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns RIP samples into "where does the guest spend its time": samples per kernel function (named
 * through System.map), highest first. Addresses without a symbol (user space, firmware) are grouped by
 * kind so the report still adds up to 100 %.
 */
final class GuestProfileReport {
    private GuestProfileReport() {
    }

    /** Kernel addresses on x86-64 are in the upper half; user space is below it. */
    private static final long KERNEL_HALF = 0xffff_8000_0000_0000L;

    static String format(Map<Long, Long> samples, SystemMap map, int top) {
        long total = samples.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Long> byFunction = new HashMap<>();
        samples.forEach((rip, n) -> byFunction.merge(name(rip, map), n, Long::sum));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("guest profile: %d samples%s%n", total, map == null ? " (no System.map: raw addresses)" : ""));
        byFunction.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> sb.append(String.format("  %6.2f%%  %8d  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                        e.getValue(), e.getKey())));
        return sb.toString();
    }

    private static String name(long rip, SystemMap map) {
        if (Long.compareUnsigned(rip, KERNEL_HALF) < 0) {
            return rip < 0x10_0000 ? "[low memory 0x" + Long.toHexString(rip & ~0xfffL) + "]" : "[user space]";
        }
        String f = map != null ? map.functionAt(rip) : null;
        return f != null ? f : "0x" + Long.toHexString(rip);
    }
}
