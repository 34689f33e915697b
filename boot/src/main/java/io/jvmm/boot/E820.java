package io.jvmm.boot;

import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest's physical memory map as the kernel sees it, in the BIOS INT 15h E820 format
 * (arch/x86/include/uapi/asm/bootparam.h {@code struct boot_e820_entry}: u64 addr, u64 size, u32 type).
 * RAM entries come only from guest memory regions; the MP table area at the top of conventional
 * memory and the BIOS area 0xe0000-0x100000 (the ACPI tables) are reserved; the rest of the legacy hole 0xa0000..0x100000 and everything that is not guest memory
 * (MMIO at 0xc0000000.., IOAPIC, LAPIC) are simply absent, so the kernel never treats them as RAM.
 *
 * <pre>
 *   [0x0000_0000, 0x0009_e000)  E820_RAM
 *   [0x0009_e000, 0x000a_0000)  E820_RESERVED   MP config table + floating pointer
 *   [0x000e_0000, 0x0010_0000)  E820_RESERVED   ACPI tables (RSDP at 0xe0000)
 *   [0x0010_0000, low end)      E820_RAM        low end = min(memory, 0xc000_0000)
 *   [0x1_0000_0000, high end)   E820_RAM        only when memory > 3 GiB
 * </pre>
 */
public final class E820 {
    private E820() {
    }

    public static final int E820_RAM = 1;
    public static final int E820_RESERVED = 2;
    /** The BIOS area at the top of the legacy hole, where the ACPI tables go (AcpiTables). */
    public static final long BIOS_AREA_START = 0xe_0000;
    /** Size of one struct boot_e820_entry in boot_params (packed). */
    public static final int ENTRY_SIZE = 20;
    /** E820_MAX_ENTRIES_ZEROPAGE: the capacity of boot_params.e820_table. */
    public static final int E820_MAX_ENTRIES_ZEROPAGE = 128;

    public record Entry(long addr, long size, int type) {
        public long end() {
            return addr + size;
        }
    }

    /** The map for {@code memory}, sorted by address. */
    public static List<Entry> build(GuestMemory memory) {
        long reservedStart = BootLayout.MPC_TABLE_START.value();
        long reservedEnd = BootLayout.LOW_MEMORY_END;
        long holeEnd = BootLayout.HIMEM_START.value();
        List<Entry> map = new ArrayList<>();
        for (GuestRegion region : memory.regions()) {
            long start = region.start().value();
            long end = region.end().value();
            addRam(map, start, Math.min(end, reservedStart));
            long rs = Math.max(start, reservedStart);
            long re = Math.min(end, reservedEnd);
            if (rs < re) {
                map.add(new Entry(rs, re - rs, E820_RESERVED));
            }
            long as = Math.max(start, BIOS_AREA_START);
            long ae = Math.min(end, holeEnd);
            if (as < ae) {
                map.add(new Entry(as, ae - as, E820_RESERVED));
            }
            addRam(map, Math.max(start, holeEnd), end);
        }
        if (map.size() > E820_MAX_ENTRIES_ZEROPAGE) {
            throw new BootException("e820: " + map.size() + " entries, more than the zero page holds ("
                    + E820_MAX_ENTRIES_ZEROPAGE + ")");
        }
        return List.copyOf(map);
    }

    private static void addRam(List<Entry> map, long start, long end) {
        if (Long.compareUnsigned(start, end) < 0) {
            map.add(new Entry(start, end - start, E820_RAM));
        }
    }
}
