package io.jvmm.boot;

import io.jvmm.boot.acpi.AcpiPlatform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What to boot: kernel image bytes (bzImage or ELF vmlinux), optional initrd bytes (null: none), the
 * full kernel command line (see {@link KernelCmdline}), the number of vCPUs, the machine the ACPI tables
 * describe (null: no ACPI tables) and whether to write the MP table (a kernel without ACPI finds its
 * CPUs and IOAPIC there; one with ACPI reads the MADT instead).
 */
public record BootConfig(byte[] kernel, byte[] initrd, String cmdline, int cpus, AcpiPlatform acpi, boolean mpTable) {

    /** No ACPI tables; an MP table. */
    public BootConfig(byte[] kernel, byte[] initrd, String cmdline, int cpus) {
        this(kernel, initrd, cmdline, cpus, null, true);
    }

    public BootConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cmdline, "cmdline");
        if (cpus < 1) {
            throw new BootException("cpus: at least 1 needed, got " + cpus);
        }
    }

    /** Reads the kernel and (when not null) the initrd from files; unreadable files are a BootException. */
    public static BootConfig fromFiles(Path kernel, Path initrd, String cmdline, int cpus) {
        return new BootConfig(read("kernel", kernel), initrd == null ? null : read("initrd", initrd), cmdline, cpus);
    }

    private static byte[] read(String what, Path file) {
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new BootException(what + " " + file + ": " + size + " bytes is larger than jvmm can load (2 GiB)");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BootException("cannot read " + what + " " + file + ": " + e, e);
        }
    }
}
