package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;

/**
 * Where the loader puts things in guest physical memory, and the machine's fixed addresses it must
 * keep out of the e820 RAM map. The low-memory choices follow Firecracker's arch/x86_64/layout.rs and
 * kvmtool's x86 layout (facts, not code):
 *
 * <pre>
 *   0x0000_0000  real-mode IVT / BDA (left zero; no BIOS)
 *   0x0000_0500  GDT                      (BOOT_GDT_START, room for 8 entries)
 *   0x0000_0540  IDT                      (BOOT_IDT_START, one null gate: interrupts stay off until the kernel loads its own)
 *   0x0000_6000  hvm_start_info (PVH)     then its modlist at 0x6040
 *   0x0000_7000  zero page (boot_params)  or the PVH memmap table
 *   0x0000_8ff0  initial stack pointer    (grows down, below the page tables)
 *   0x0000_9000  PML4, 0xa000 PDPT, 0xb000..0xe000 four PDs (identity map of 4 GiB, 2 MiB pages)
 *   0x0002_0000  kernel command line      (CMDLINE_MAX_SIZE bytes)
 *   0x0009_e000  MP configuration table   (reserved in e820 up to 0xa0000)
 *   0x0009_fc00  MP floating pointer      (found by Linux's scan of 639K..640K)
 *   0x000a_0000  legacy VGA/BIOS hole     (not RAM in e820)
 *   0x000e_0000  ACPI tables: RSDP, XSDT, FADT, MADT, DSDT (io.jvmm.boot.acpi.AcpiTables; e820 reserved)
 *   0x0010_0000  HIMEM_START: kernel (bzImage at 1 MiB or pref_address; vmlinux at its p_paddr)
 *        ...     initrd, as high as allowed
 *   0xc000_0000  MMIO_START: boot timer, then virtio-mmio devices (0xc0001000 + n * 0x1000)
 *   0xfec0_0000  IOAPIC, 0xfee0_0000 local APIC
 *   0x1_0000_0000  RAM above 4 GiB when the guest has more than 3 GiB
 * </pre>
 */
public final class BootLayout {
    private BootLayout() {
    }

    public static final GuestAddress BOOT_GDT_START = GuestAddress.of(0x500);
    public static final GuestAddress BOOT_IDT_START = GuestAddress.of(0x540);
    public static final GuestAddress PVH_INFO_START = GuestAddress.of(0x6000);
    public static final GuestAddress PVH_MODLIST_START = GuestAddress.of(0x6040);
    public static final GuestAddress ZERO_PAGE_START = GuestAddress.of(0x7000);
    public static final GuestAddress PVH_MEMMAP_START = GuestAddress.of(0x7000);
    public static final long BOOT_STACK_POINTER = 0x8ff0;
    public static final GuestAddress PML4_START = GuestAddress.of(0x9000);
    public static final GuestAddress PDPTE_START = GuestAddress.of(0xa000);
    public static final GuestAddress PDE_START = GuestAddress.of(0xb000);
    public static final GuestAddress CMDLINE_START = GuestAddress.of(0x20000);
    /** Bytes reserved for the command line, terminating NUL included. */
    public static final int CMDLINE_MAX_SIZE = 0x10000;
    public static final GuestAddress MPC_TABLE_START = GuestAddress.of(0x9e000);
    /** Start of the extended BIOS data area; Linux scans 639K..640K for the MP floating pointer. */
    public static final GuestAddress EBDA_START = GuestAddress.of(0x9fc00);
    /** End of conventional memory: 0xa0000..0x100000 is the legacy hole, never RAM in e820. */
    public static final long LOW_MEMORY_END = 0xa0000;
    public static final GuestAddress HIMEM_START = GuestAddress.of(0x100000);
    /** First byte of the 32-bit MMIO hole; RAM below 4 GiB ends here at the latest. */
    public static final long MMIO_START = 0xc000_0000L;
    public static final long IOAPIC_START = 0xfec0_0000L;
    public static final long APIC_START = 0xfee0_0000L;
    public static final long FOUR_GIB = 0x1_0000_0000L;
    public static final long PAGE_SIZE = 0x1000;
}
