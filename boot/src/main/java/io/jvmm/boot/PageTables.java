package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

/**
 * Identity page tables for entering the kernel in long mode. boot.rst, "64-bit BOOT PROTOCOL": "the
 * range with setup_header.init_size from start address of loaded kernel and zero page and command
 * line buffer get ident mapping". We map the whole first 4 GiB with 2 MiB pages, which covers every
 * place the loader writes below the MMIO hole; the kernel builds its own tables at once.
 *
 * <pre>
 *  CR3 -> PML4 @0x9000   entry 0 -> PDPT
 *         PDPT @0xa000   entries 0..3 -> PD0..PD3
 *         PD0  @0xb000   entries 0..511: 2 MiB pages 0x0000_0000..0x3fff_ffff
 *         ...
 *         PD3  @0xe000   entries 0..511: 2 MiB pages 0xc000_0000..0xffff_ffff
 *
 *  entry bits: 0 P (present) | 1 R/W | 7 PS (2 MiB page, in a PD entry) | 51..12 physical address
 * </pre>
 */
public final class PageTables {
    private PageTables() {
    }

    public static final long PTE_PRESENT = 1L << 0;
    public static final long PTE_RW = 1L << 1;
    public static final long PTE_PS = 1L << 7;
    public static final long ENTRY_ADDRESS_MASK = 0x000f_ffff_ffff_f000L;
    /** Number of page directories, one per GiB mapped. */
    public static final int IDENTITY_MAPPED_GIB = 4;
    public static final long PAGE_2M = 0x20_0000L;

    /** Writes the tables and returns the value for CR3. */
    public static long writeIdentityMap(GuestMemory memory) {
        GuestAddress pml4 = BootLayout.PML4_START;
        GuestAddress pdpt = BootLayout.PDPTE_START;
        zeroPage(memory, pml4);
        zeroPage(memory, pdpt);
        memory.writeLong(pml4, pdpt.value() | PTE_PRESENT | PTE_RW);
        for (int gib = 0; gib < IDENTITY_MAPPED_GIB; gib++) {
            GuestAddress pd = BootLayout.PDE_START.plus(gib * BootLayout.PAGE_SIZE);
            memory.writeLong(pdpt.plus(8L * gib), pd.value() | PTE_PRESENT | PTE_RW);
            for (int i = 0; i < 512; i++) {
                long phys = ((long) gib << 30) + i * PAGE_2M;
                memory.writeLong(pd.plus(8L * i), phys | PTE_PRESENT | PTE_RW | PTE_PS);
            }
        }
        return pml4.value();
    }

    /**
     * Translates {@code linear} through the 4-level tables rooted at {@code cr3}, as the MMU does;
     * returns -1 when a level is not present. Handles 1 GiB, 2 MiB and 4 KiB pages.
     */
    public static long translate(GuestMemory memory, long cr3, long linear) {
        long table = cr3 & ENTRY_ADDRESS_MASK;
        for (int level = 3; level >= 0; level--) {
            int shift = 12 + 9 * level;
            long entry = memory.readLong(GuestAddress.of(table + 8 * ((linear >>> shift) & 0x1ff)));
            if ((entry & PTE_PRESENT) == 0) {
                return -1;
            }
            boolean large = level > 0 && level < 3 && (entry & PTE_PS) != 0;
            if (level == 0 || large) {
                long pageMask = (1L << shift) - 1;
                return (entry & ENTRY_ADDRESS_MASK & ~pageMask) | (linear & pageMask);
            }
            table = entry & ENTRY_ADDRESS_MASK;
        }
        return -1; // not reached
    }

    private static void zeroPage(GuestMemory memory, GuestAddress page) {
        memory.slice(page, BootLayout.PAGE_SIZE).fill((byte) 0);
    }
}
