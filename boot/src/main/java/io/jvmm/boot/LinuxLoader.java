package io.jvmm.boot;

import io.jvmm.boot.acpi.AcpiTables;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Loads a Linux kernel, initrd and command line into guest memory and returns the boot vCPU's state.
 * The one entry point the machine assembly calls. Writes, all in RAM below 1 MiB unless noted:
 * GDT/IDT, page tables (64-bit entry), zero page or PVH start info, command line, MP table and/or ACPI tables; the
 * kernel at 1 MiB / pref_address / its p_paddr; the initrd high below the MMIO hole. See
 * {@link BootLayout} for the map.
 */
public final class LinuxLoader {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxLoader.class);

    private LinuxLoader() {
    }

    /** Linux's x86 COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h), terminating NUL included. */
    public static final int COMMAND_LINE_SIZE = 2048;
    /** The cmdline_size an ELF kernel (which has no header) gets: COMMAND_LINE_SIZE without the NUL. */
    public static final int ELF_CMDLINE_SIZE = COMMAND_LINE_SIZE - 1;
    /** Smallest guest RAM the loader accepts: its low tables plus room for a kernel. */
    public static final long MIN_LOW_RAM = 2 * 1024 * 1024;

    /**
     * Detects the kernel format (ELF magic, else bzImage "HdrS"), loads kernel, initrd, command line
     * and MP table, writes the zero page or PVH start info and the entry tables, and returns the
     * boot vCPU's state. Every problem with the inputs is a {@link BootException}.
     */
    public static BootResult load(GuestMemory memory, BootConfig config) {
        try {
            return loadImage(memory, config);
        } catch (InternalError e) {
            // What a copy from a mapped file that shrank after it was mapped raises (SIGBUS on the missing pages).
            throw new BootException("kernel or initrd file changed while it was being loaded (truncated?): " + e.getMessage(), e);
        }
    }

    private static BootResult loadImage(GuestMemory memory, BootConfig config) {
        long ramEnd = lowRamEnd(memory);
        List<E820.Entry> e820 = E820.build(memory);
        if (ElfKernel.hasMagic(config.kernel())) {
            return loadElf(memory, config, ramEnd, e820);
        }
        if (!isBzImage(config.kernel())) {
            throw new BootException("kernel: neither an ELF vmlinux (no \\x7fELF magic) nor a bzImage (no HdrS"
                    + " magic at 0x202); " + config.kernel().byteSize() + " bytes");
        }
        return loadBzImage(memory, config, ramEnd, e820);
    }

    private static BootResult loadElf(GuestMemory memory, BootConfig config, long ramEnd, List<E820.Entry> e820) {
        MemorySegment image = config.kernel();
        GuestAddress cmdline = BootLayout.CMDLINE_START;
        ElfKernel elf = ElfKernel.parse(image);
        elf.load(memory, image, ramEnd);
        Initrd initrd = Initrd.place(memory, config.initrd(), elf.end(), ramEnd, ramEnd - 1);
        memory.write(cmdline, KernelCmdline.encode(config.cmdline(), ELF_CMDLINE_SIZE));
        long rsdp = writeTables(memory, config);
        if (elf.pvhEntry().isPresent()) {
            GuestAddress info = PvhStartInfo.write(memory, cmdline, initrd.addr(), initrd.size(), e820, rsdp);
            CpuState cpu = CpuState.protectedMode32(memory, GuestAddress.of(elf.pvhEntry().getAsLong()), info);
            return result(BootResult.KernelFormat.ELF_PVH, cpu, elf.start(), elf.end(), initrd, config.cmdline(), e820);
        }
        BootParams.write(memory, BootLayout.ZERO_PAGE_START, BootParams.synthesizedHeader(),
                new BootParams.Fields(elf.start(), cmdline, ELF_CMDLINE_SIZE, initrd.addr(), initrd.size(), rsdp), e820);
        CpuState cpu = CpuState.longMode(memory, GuestAddress.of(elf.entry()), BootLayout.ZERO_PAGE_START);
        return result(BootResult.KernelFormat.ELF_64, cpu, elf.start(), elf.end(), initrd, config.cmdline(), e820);
    }

    private static BootResult loadBzImage(GuestMemory memory, BootConfig config, long ramEnd, List<E820.Entry> e820) {
        MemorySegment image = config.kernel();
        GuestAddress cmdline = BootLayout.CMDLINE_START;
        SetupHeader header = SetupHeader.parse(image);
        BzImage bz = BzImage.place(header, image.byteSize(), ramEnd);
        bz.load(memory, image);
        Initrd initrd = Initrd.place(memory, config.initrd(), bz.end(), ramEnd, header.initrdAddrMax());
        memory.write(cmdline, KernelCmdline.encode(config.cmdline(), header.cmdlineSize()));
        long rsdp = writeTables(memory, config);
        BootParams.write(memory, BootLayout.ZERO_PAGE_START, bz.headerBytes(image),
                new BootParams.Fields(bz.loadAddress(), cmdline, header.cmdlineSize(), initrd.addr(), initrd.size(), rsdp),
                e820);
        CpuState cpu = CpuState.longMode(memory, bz.entry64(), BootLayout.ZERO_PAGE_START);
        return result(BootResult.KernelFormat.BZIMAGE_64, cpu, bz.loadAddress(), bz.end(), initrd, config.cmdline(), e820);
    }

    /**
     * The MP table when the config asks for it, and the ACPI tables when it has a platform for them;
     * returns the RSDP's address, or 0 without ACPI tables.
     */
    private static long writeTables(GuestMemory memory, BootConfig config) {
        if (config.mpTable()) {
            MpTable.write(memory, config.cpus());
        }
        if (config.acpi() == null) {
            return 0;
        }
        AcpiTables.Written acpi = AcpiTables.write(memory, config.acpi());
        LOG.debug("ACPI tables: RSDP {}, XSDT {}, FADT {}, MADT {}, DSDT {}, end 0x{}", acpi.rsdp(), acpi.xsdt(),
                acpi.fadt(), acpi.madt(), acpi.dsdt(), Long.toHexString(acpi.end()));
        return acpi.rsdp().value();
    }

    /** True when {@code image} has the "HdrS" magic where a bzImage's setup header has it. */
    public static boolean isBzImage(MemorySegment image) {
        return image.byteSize() >= SetupHeader.OFF_HEADER + 4
                && image.get(ValueLayout.JAVA_BYTE, SetupHeader.OFF_HEADER) == 'H'
                && image.get(ValueLayout.JAVA_BYTE, SetupHeader.OFF_HEADER + 1) == 'd'
                && image.get(ValueLayout.JAVA_BYTE, SetupHeader.OFF_HEADER + 2) == 'r'
                && image.get(ValueLayout.JAVA_BYTE, SetupHeader.OFF_HEADER + 3) == 'S';
    }

    /**
     * End of the RAM region that starts at guest address 0, which must stay below the MMIO hole:
     * everything the loader writes goes below it.
     */
    static long lowRamEnd(GuestMemory memory) {
        for (GuestRegion r : memory.regions()) {
            if (Long.compareUnsigned(r.start().value(), BootLayout.FOUR_GIB) < 0
                    && Long.compareUnsigned(r.end().value(), BootLayout.MMIO_START) > 0) {
                throw new BootException("guest memory region " + r.start() + "-" + r.end() + " overlaps the MMIO hole"
                        + " 0xc0000000-0x100000000; RAM above 3 GiB must start at 4 GiB");
            }
        }
        GuestRegion low = memory.regions().getFirst();
        if (low.start().value() != 0) {
            throw new BootException("guest memory must start at address 0 (it starts at " + low.start() + ")");
        }
        long end = low.end().value();
        if (end < MIN_LOW_RAM) {
            throw new BootException("guest memory of " + end + " bytes is too small to boot Linux (need at least "
                    + MIN_LOW_RAM / (1024 * 1024) + " MiB)");
        }
        return end;
    }

    private static BootResult result(BootResult.KernelFormat format, CpuState cpu, long start, long end,
                                     Initrd initrd, String cmdline, List<E820.Entry> e820) {
        BootResult result = new BootResult(format, cpu, GuestAddress.of(start), GuestAddress.of(end),
                initrd.size() == 0 ? null : GuestAddress.of(initrd.addr()), initrd.size(), cmdline, e820);
        LOG.debug("{}", result.summary());
        return result;
    }
}
