package io.jvmm.core.vm;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.bus.BusDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@code jvmm run --trace-exits}: what each vCPU exit was, in words. Either one line per exit
 * ({@link #lines}) or counts and handling time per device and register, printed at the end
 * ({@link #summary}). The devices name their own registers ({@link BusDevice#describe}); this class
 * knows no device. Only the {@link ExitDispatcher} feeds it, and only when tracing is on.
 *
 * <pre>
 *   vcpu-0 out 0x3f8 ← 0x4c 'L' → serial THR (transmit)
 *   vcpu-0 in 0x3fd = 0x60 '`' → serial LSR (line status: THRE TEMT)
 *   vcpu-0 mmio write 0xc0001050 ← 0x0 → virtio-blk0 QueueNotify (queue 0)
 *   vcpu-0 hlt → vCPU 0 done (HLT with no in-kernel irqchip: nothing will wake it)
 * </pre>
 * "←" is the value the guest wrote, "=" the value it read, "→" where the access went.
 */
public final class ExitTrace {
    /** The kind of bus access an exit was. */
    public enum Access {
        OUT("out", true), IN("in", false), MMIO_WRITE("mmio write", true), MMIO_READ("mmio read", false);

        final String word;
        final boolean write;

        Access(String word, boolean write) {
            this.word = word;
            this.write = write;
        }
    }

    private final Consumer<String> out;                       // null in summary mode
    private final Map<String, long[]> groups = new HashMap<>(); // key → {count, nanos}; guarded by this

    private ExitTrace(Consumer<String> out) {
        this.out = out;
    }

    /** One line per exit, given to {@code out} on the vCPU's thread. */
    public static ExitTrace lines(Consumer<String> out) {
        return new ExitTrace(Objects.requireNonNull(out, "out"));
    }

    /** Counts and time per device and register; read them with {@link #summaryReport()}. */
    public static ExitTrace summary() {
        return new ExitTrace(null);
    }

    public boolean isSummary() {
        return out == null;
    }

    void access(int vcpu, Access access, long address, byte[] data, Bus.Mapping m, long nanos) {
        BusDevice.Register reg = m == null ? null : m.device().describe(address - m.base(), access.write, data);
        if (out != null) {
            out.accept(line(vcpu, access, address, data, m == null ? null : m.name(), reg));
        } else {
            String target = m == null ? "(no device)" : m.name();
            String key = target + "\t" + access.word + " " + (reg != null ? reg.name()
                    : m == null ? hex(address) : "+" + hex(address - m.base()));
            add(key, nanos);
        }
    }

    void halt(int vcpu) {
        if (out != null) {
            out.accept(haltLine(vcpu));
        } else {
            add("vCPU " + vcpu + "\thlt (vCPU done)", 0);
        }
    }

    private synchronized void add(String key, long nanos) {
        long[] g = groups.computeIfAbsent(key, k -> new long[2]);
        g[0]++;
        g[1] += nanos;
    }

    /** One exit, in words: {@code vcpu-0 out 0x3f8 ← 0x4c 'L' → serial THR (transmit)}. */
    static String line(int vcpu, Access access, long address, byte[] data, String device, BusDevice.Register reg) {
        StringBuilder sb = new StringBuilder("vcpu-").append(vcpu).append(' ').append(access.word)
                .append(' ').append(hex(address))
                .append(access.write ? " ← " : " = ").append(value(data)).append(" → ");
        if (device == null) {
            sb.append(access.write ? "no device (ignored)" : "no device (reads as all ones)");
        } else {
            sb.append(device);
            if (reg != null) {
                sb.append(' ').append(reg.name());
                if (!reg.meaning().isEmpty()) {
                    sb.append(" (").append(reg.meaning()).append(')');
                }
            }
        }
        return sb.toString();
    }

    static String haltLine(int vcpu) {
        return "vcpu-" + vcpu + " hlt → vCPU " + vcpu + " done (HLT with no in-kernel irqchip: nothing will wake it)";
    }

    /**
     * The bytes of one access as a value: the little-endian number in hex, and a single printable byte
     * also as a character ({@code 0x4c 'L'}; newline, tab and CR escaped).
     */
    static String value(byte[] data) {
        long v = 0;
        for (int i = Math.min(data.length, 8) - 1; i >= 0; i--) {
            v = v << 8 | (data[i] & 0xff);
        }
        if (data.length == 1) {
            int b = data[0] & 0xff;
            String c = b >= 0x20 && b < 0x7f ? String.valueOf((char) b)
                    : b == '\n' ? "\\n" : b == '\r' ? "\\r" : b == '\t' ? "\\t" : null;
            if (c != null) {
                return hex(v) + " '" + c + "'";
            }
        }
        return hex(v);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * The summary: one row per device and register, most frequent first, with the time jvmm spent
     * handling those exits (the device's work on the vCPU thread; not the guest's time, nor KVM's).
     */
    public synchronized String summaryReport() {
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(groups.entrySet());
        rows.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
                : a.getKey().compareTo(b.getKey()));
        long total = 0;
        long nanos = 0;
        for (var r : rows) {
            total += r.getValue()[0];
            nanos += r.getValue()[1];
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "exit trace summary: %d exits, %.3f ms handling them in jvmm%n", total, nanos / 1e6));
        sb.append(String.format(Locale.ROOT, "  %10s %10s %9s  %-14s %s%n", "exits", "time ms", "avg us", "device", "access"));
        for (var r : rows) {
            String[] k = r.getKey().split("\t", 2);
            long n = r.getValue()[0];
            long t = r.getValue()[1];
            sb.append(String.format(Locale.ROOT, "  %10d %10.3f %9.2f  %-14s %s%n", n, t / 1e6,
                    n == 0 ? 0.0 : t / 1e3 / n, k[0], k[1]));
        }
        return sb.toString();
    }
}
