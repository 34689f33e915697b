package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.util.List;

/**
 * The PVH boot ABI's start info (xen/include/public/arch-x86/hvm/start_info.h; Linux reads it in
 * arch/x86/platform/pvh/enlighten.c and turns the memmap into its e820 table). Version 1 adds the
 * memory map.
 *
 * <pre>
 *  hvm_start_info @0x6000 (56 bytes)        hvm_modlist_entry @0x6040 (32 bytes each)
 *   0x00 magic u32 = 0x336ec578              0x00 paddr u64   0x08 size u64
 *   0x04 version u32 = 1                     0x10 cmdline_paddr u64 (0)  0x18 reserved u64
 *   0x08 flags u32                          hvm_memmap_table_entry @0x7000 (24 bytes each)
 *   0x0c nr_modules u32                      0x00 addr u64   0x08 size u64
 *   0x10 modlist_paddr u64                   0x10 type u32 (E820 types)  0x14 reserved u32
 *   0x18 cmdline_paddr u64
 *   0x20 rsdp_paddr u64 (0: no ACPI tables; the MP table describes the CPUs)
 *   0x28 memmap_paddr u64
 *   0x30 memmap_entries u32   0x34 reserved u32
 * </pre>
 */
public final class PvhStartInfo {
    private PvhStartInfo() {
    }

    public static final int XEN_HVM_START_MAGIC_VALUE = 0x336e_c578;
    public static final int VERSION = 1;
    public static final int START_INFO_SIZE = 0x38;
    public static final int MODLIST_ENTRY_SIZE = 0x20;
    public static final int MEMMAP_ENTRY_SIZE = 0x18;
    public static final int OFF_MAGIC = 0x00;
    public static final int OFF_VERSION = 0x04;
    public static final int OFF_FLAGS = 0x08;
    public static final int OFF_NR_MODULES = 0x0c;
    public static final int OFF_MODLIST_PADDR = 0x10;
    public static final int OFF_CMDLINE_PADDR = 0x18;
    public static final int OFF_RSDP_PADDR = 0x20;
    public static final int OFF_MEMMAP_PADDR = 0x28;
    public static final int OFF_MEMMAP_ENTRIES = 0x30;

    /**
     * Writes the start info at {@link BootLayout#PVH_INFO_START}, one module (the initrd) when
     * {@code initrdSize} > 0, and the memory map; {@code rsdp} is the ACPI RSDP's address (0: none). Returns
     * the start info's address (for ebx).
     */
    public static GuestAddress write(GuestMemory memory, GuestAddress cmdline, long initrdAddr, long initrdSize,
                                     List<E820.Entry> e820, long rsdp) {
        GuestAddress info = BootLayout.PVH_INFO_START;
        GuestAddress modlist = BootLayout.PVH_MODLIST_START;
        GuestAddress memmap = BootLayout.PVH_MEMMAP_START;
        if (modlist.value() + MODLIST_ENTRY_SIZE > memmap.value()
                || memmap.value() + (long) e820.size() * MEMMAP_ENTRY_SIZE > BootLayout.BOOT_STACK_POINTER - 0x400) {
            throw new BootException("pvh: memory map of " + e820.size() + " entries does not fit its area");
        }
        memory.slice(info, START_INFO_SIZE).fill((byte) 0);
        memory.writeInt(info.plus(OFF_MAGIC), XEN_HVM_START_MAGIC_VALUE);
        memory.writeInt(info.plus(OFF_VERSION), VERSION);
        memory.writeLong(info.plus(OFF_CMDLINE_PADDR), cmdline.value());
        memory.writeLong(info.plus(OFF_RSDP_PADDR), rsdp);
        if (initrdSize > 0) {
            memory.slice(modlist, MODLIST_ENTRY_SIZE).fill((byte) 0);
            memory.writeLong(modlist, initrdAddr);
            memory.writeLong(modlist.plus(8), initrdSize);
            memory.writeInt(info.plus(OFF_NR_MODULES), 1);
            memory.writeLong(info.plus(OFF_MODLIST_PADDR), modlist.value());
        }
        for (int i = 0; i < e820.size(); i++) {
            E820.Entry e = e820.get(i);
            GuestAddress slot = memmap.plus((long) i * MEMMAP_ENTRY_SIZE);
            memory.writeLong(slot, e.addr());
            memory.writeLong(slot.plus(8), e.size());
            memory.writeInt(slot.plus(16), e.type());
            memory.writeInt(slot.plus(20), 0);
        }
        memory.writeLong(info.plus(OFF_MEMMAP_PADDR), memmap.value());
        memory.writeInt(info.plus(OFF_MEMMAP_ENTRIES), e820.size());
        return info;
    }
}
