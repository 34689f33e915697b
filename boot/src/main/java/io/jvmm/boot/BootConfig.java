package io.jvmm.boot;

import io.jvmm.boot.acpi.AcpiPlatform;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What to boot: the kernel image (bzImage or ELF vmlinux), the optional initrd (null: none), the full kernel
 * command line (see {@link KernelCmdline}), the number of vCPUs, the machine the ACPI tables describe (null: no
 * ACPI tables) and whether to write the MP table (a kernel without ACPI finds its CPUs and IOAPIC there; one with
 * ACPI reads the MADT instead).
 *
 * <p>The images are read-only {@link MemorySegment}s: files mapped by {@link BootFiles} (the loader copies the
 * PT_LOAD segments and the initrd from the page cache straight into guest RAM) or heap arrays. They must stay
 * valid until {@link LinuxLoader#load} returns.
 */
public record BootConfig(MemorySegment kernel, MemorySegment initrd, String cmdline, int cpus, AcpiPlatform acpi,
                         boolean mpTable) {

    /** No ACPI tables; an MP table. */
    public BootConfig(MemorySegment kernel, MemorySegment initrd, String cmdline, int cpus) {
        this(kernel, initrd, cmdline, cpus, null, true);
    }

    /** Images held in heap arrays (initrd null: none). */
    public BootConfig(byte[] kernel, byte[] initrd, String cmdline, int cpus, AcpiPlatform acpi, boolean mpTable) {
        this(MemorySegment.ofArray(Objects.requireNonNull(kernel, "kernel")),
                initrd == null ? null : MemorySegment.ofArray(initrd), cmdline, cpus, acpi, mpTable);
    }

    /** Images held in heap arrays; no ACPI tables; an MP table. */
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
}
