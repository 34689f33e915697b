package io.jvmm.boot;

import java.nio.charset.StandardCharsets;

/**
 * Builds the kernel command line: jvmm's default, user additions and the virtio-mmio device list
 * (drivers/virtio/virtio_mmio.c, "virtio_mmio.device=<size>@<baseaddr>:<irq>"), and writes it into
 * guest memory at {@link BootLayout#CMDLINE_START}, NUL-terminated.
 */
public final class KernelCmdline {
    /** Serial console on the 16550 at 0x3f8; reboot through the i8042; reset (not hang) on panic. */
    public static final String DEFAULT = "console=ttyS0 reboot=k panic=1";

    private final StringBuilder line;

    private KernelCmdline(String initial) {
        this.line = new StringBuilder(initial.strip());
    }

    /** jvmm's default command line, {@link #DEFAULT}. */
    public static KernelCmdline defaults() {
        return new KernelCmdline(DEFAULT);
    }

    /** A command line that starts as {@code line} (for --cmdline, which replaces the default). */
    public static KernelCmdline of(String line) {
        return new KernelCmdline(line);
    }

    /** Appends {@code words} separated by a space; blank input changes nothing. */
    public KernelCmdline append(String words) {
        String w = words.strip();
        if (!w.isEmpty()) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(w);
        }
        return this;
    }

    /** Appends {@code virtio_mmio.device=4K@0xc0001000:5} for a device of {@code size} bytes at {@code base}. */
    public KernelCmdline addVirtioMmioDevice(long base, long size, int gsi) {
        if (size <= 0 || gsi < 0) {
            throw new IllegalArgumentException("virtio-mmio device needs size > 0 and gsi >= 0");
        }
        String sz = size % 1024 == 0 ? (size / 1024) + "K" : Long.toString(size);
        return append("virtio_mmio.device=" + sz + "@0x" + Long.toHexString(base) + ":" + gsi);
    }

    @Override
    public String toString() {
        return line.toString();
    }

    /**
     * The bytes to write, NUL included; {@code maxLength} is the kernel's limit without the NUL
     * (boot.rst: cmdline_size "is the maximum size of the command line without the terminating zero").
     */
    static byte[] encode(String cmdline, long maxLength) {
        byte[] text = cmdline.getBytes(StandardCharsets.UTF_8);
        for (byte b : text) {
            if (b == 0) {
                throw new BootException("kernel command line contains a NUL byte");
            }
        }
        long limit = Math.min(maxLength, BootLayout.CMDLINE_MAX_SIZE - 1);
        if (text.length > limit) {
            throw new BootException("kernel command line is " + text.length + " bytes, longer than the "
                    + limit + " the kernel accepts (cmdline_size)");
        }
        byte[] out = new byte[text.length + 1];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }
}
