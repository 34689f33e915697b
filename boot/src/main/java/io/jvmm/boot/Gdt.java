package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

/**
 * The boot GDT. Its selectors are those Documentation/arch/x86/boot.rst requires ("__BOOT_CS(0x10)
 * and __BOOT_DS(0x18); both descriptors must be 4G flat segment"), so the kernel may reload them.
 *
 * <pre>
 *  selector  entry  descriptor (64-bit mode)        descriptor (PVH, 32-bit)
 *    0x00      0    null                            null
 *    0x08      1    null                            null
 *    0x10      2    code: base 0, limit 4G, L=1     code: base 0, limit 4G, D=1
 *    0x18      3    data: base 0, limit 4G, D=1     data: same
 *    0x20      4    TSS:  base 0, limit 0x67        TSS:  same (the PVH ABI asks for a 32-bit TSS)
 *
 *  descriptor bits: 63..56 base[31:24] | 55 G | 54 D/B | 53 L | 52 AVL | 51..48 limit[19:16]
 *                   47 P | 46..45 DPL | 44 S | 43..40 type | 39..16 base[23:0] | 15..0 limit[15:0]
 * </pre>
 */
public final class Gdt {
    private Gdt() {
    }

    public static final int BOOT_CS = 0x10;
    public static final int BOOT_DS = 0x18;
    public static final int BOOT_TSS = 0x20;
    public static final int ENTRIES = 5;

    /** Code segment type: execute/read, accessed. */
    public static final int SEG_TYPE_CODE_XRA = 0xb;
    /** Data segment type: read/write, accessed. */
    public static final int SEG_TYPE_DATA_RWA = 0x3;
    /** System segment type: busy 32/64-bit TSS (VM entry requires a busy TSS in TR). */
    public static final int SEG_TYPE_TSS_BUSY = 0xb;
    public static final int SEG_TYPE_LDT = 0x2;
    /** TSS limit: the 104-byte (0x68) 32/64-bit TSS. */
    public static final int TSS_LIMIT = 0x67;

    // flags = descriptor bits 55..52 (G, D/B, L, AVL) << 12 | bits 47..40 (P, DPL, S, type)
    static final int CODE64_FLAGS = 0xa09b; // G, L, P, S, type 0xb
    static final int CODE32_FLAGS = 0xc09b; // G, D, P, S, type 0xb
    static final int DATA_FLAGS = 0xc093;   // G, D/B, P, S, type 0x3
    static final int TSS_FLAGS = 0x008b;    // P, system type 0xb (busy TSS)

    /** A segment descriptor from flags (see diagram), base and 20-bit limit; as the kernel's GDT_ENTRY. */
    public static long descriptor(int flags, long base, int limit) {
        return ((base & 0xff00_0000L) << 32)
                | ((long) (flags & 0xf0ff) << 40)
                | (((long) limit & 0xf_0000) << 32)
                | ((base & 0x00ff_ffffL) << 16)
                | (limit & 0xffffL);
    }

    /** The descriptors for a 64-bit (long mode) or 32-bit (PVH) boot, indexed by selector / 8. */
    public static long[] table(boolean longMode) {
        return new long[] {
            0,
            0,
            descriptor(longMode ? CODE64_FLAGS : CODE32_FLAGS, 0, 0xfffff),
            descriptor(DATA_FLAGS, 0, 0xfffff),
            descriptor(TSS_FLAGS, 0, TSS_LIMIT),
        };
    }

    /**
     * Writes {@code table} at {@link BootLayout#BOOT_GDT_START} and a single null IDT entry at
     * {@link BootLayout#BOOT_IDT_START}; returns the GDTR.
     */
    static DescriptorTable write(GuestMemory memory, long[] table) {
        for (int i = 0; i < table.length; i++) {
            memory.writeLong(BootLayout.BOOT_GDT_START.plus(8L * i), table[i]);
        }
        memory.writeLong(BootLayout.BOOT_IDT_START, 0);
        return new DescriptorTable(BootLayout.BOOT_GDT_START.value(), table.length * 8 - 1);
    }

    static DescriptorTable idt() {
        return new DescriptorTable(BootLayout.BOOT_IDT_START.value(), 7);
    }

    /** Reads back the descriptor for {@code selector} from guest memory (tests and diagnostics). */
    public static long read(GuestMemory memory, DescriptorTable gdt, int selector) {
        return memory.readLong(GuestAddress.of(gdt.base()).plus(selector & ~7));
    }
}
