package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.util.List;

/**
 * Writes the zero page, {@code struct boot_params} (arch/x86/include/uapi/asm/bootparam.h; fields
 * described in Documentation/arch/x86/zero-page.rst and boot.rst). Only the fields a 64-bit-entry
 * boot needs are set; the rest stays zero, which the kernel reads as "absent".
 *
 * <pre>
 *  0x000 screen_info          0x40 bytes
 *  0x070 acpi_rsdp_addr       u64        (0: the kernel scans for the RSDP itself)
 *  0x0c0 ext_ramdisk_image    u32        high 32 bits of ramdisk_image
 *  0x0c4 ext_ramdisk_size     u32        high 32 bits of ramdisk_size
 *  0x0c8 ext_cmd_line_ptr     u32        high 32 bits of cmd_line_ptr
 *  0x1e8 e820_entries         u8
 *  0x1ef sentinel             u8         must be 0 (a loader that zeroes the page passes)
 *  0x1f1 hdr                  struct setup_header (copied from the image, see SetupHeader)
 *  0x2d0 e820_table[128]      struct boot_e820_entry { u64 addr; u64 size; u32 type; } packed, 20 bytes
 *  0xcd0 ...                  eddbuf etc., unused
 *  0x1000 end (one page)
 * </pre>
 */
public final class BootParams {
    private BootParams() {
    }

    public static final int BOOT_PARAMS_SIZE = 0x1000;
    public static final int OFF_ACPI_RSDP_ADDR = 0x070;
    public static final int OFF_EXT_RAMDISK_IMAGE = 0x0c0;
    public static final int OFF_EXT_RAMDISK_SIZE = 0x0c4;
    public static final int OFF_EXT_CMD_LINE_PTR = 0x0c8;
    public static final int OFF_E820_ENTRIES = 0x1e8;
    public static final int OFF_SENTINEL = 0x1ef;
    public static final int OFF_HDR = 0x1f1;
    public static final int OFF_E820_TABLE = 0x2d0;

    /** Values the loader fills into boot_params.hdr on top of the kernel's own header. */
    /** Values the loader fills in on top of the kernel's own header; {@code acpiRsdpAddr} 0 when there are no ACPI tables. */
    public record Fields(long code32Start, GuestAddress cmdline, long cmdlineSize, long ramdiskImage,
                         long ramdiskSize, long acpiRsdpAddr) {
    }

    /**
     * Writes a zero page at {@code at}: {@code header} (bytes 0x1f1.. of the image, or a synthesized
     * header for an ELF kernel) as hdr, the loader's fields on top, and the e820 map.
     */
    public static void write(GuestMemory memory, GuestAddress at, byte[] header, Fields fields, List<E820.Entry> e820) {
        memory.slice(at, BOOT_PARAMS_SIZE).fill((byte) 0);
        memory.write(at.plus(OFF_HDR), header);
        memory.writeByte(at.plus(SetupHeader.OFF_TYPE_OF_LOADER), (byte) SetupHeader.TYPE_OF_LOADER_UNDEFINED);
        int loadflags = memory.readU8(at.plus(SetupHeader.OFF_LOADFLAGS));
        memory.writeByte(at.plus(SetupHeader.OFF_LOADFLAGS), (byte) (loadflags | SetupHeader.LOADED_HIGH));
        // vid_mode 0xffff = "normal" (boot.rst); only the real-mode setup reads it, but keep it sane.
        memory.writeU16(at.plus(SetupHeader.OFF_VID_MODE), 0xffff);
        memory.writeInt(at.plus(SetupHeader.OFF_CODE32_START), (int) fields.code32Start());
        long cmdline = fields.cmdline().value();
        memory.writeInt(at.plus(SetupHeader.OFF_CMD_LINE_PTR), (int) cmdline);
        memory.writeInt(at.plus(OFF_EXT_CMD_LINE_PTR), (int) (cmdline >>> 32));
        memory.writeInt(at.plus(SetupHeader.OFF_CMDLINE_SIZE), (int) fields.cmdlineSize());
        memory.writeInt(at.plus(SetupHeader.OFF_RAMDISK_IMAGE), (int) fields.ramdiskImage());
        memory.writeInt(at.plus(OFF_EXT_RAMDISK_IMAGE), (int) (fields.ramdiskImage() >>> 32));
        memory.writeInt(at.plus(SetupHeader.OFF_RAMDISK_SIZE), (int) fields.ramdiskSize());
        memory.writeInt(at.plus(OFF_EXT_RAMDISK_SIZE), (int) (fields.ramdiskSize() >>> 32));
        memory.writeLong(at.plus(OFF_ACPI_RSDP_ADDR), fields.acpiRsdpAddr());
        writeE820(memory, at, e820);
    }

    /**
     * A setup header for a kernel that has none (ELF vmlinux entered at startup_64): boot_flag,
     * "HdrS", protocol 2.15, 2 MiB kernel_alignment — what Firecracker and cloud-hypervisor give it.
     */
    public static byte[] synthesizedHeader() {
        byte[] hdr = new byte[SetupHeader.SETUP_HEADER_END - SetupHeader.SETUP_HEADER_OFFSET];
        putU16(hdr, SetupHeader.OFF_BOOT_FLAG, SetupHeader.BOOT_FLAG);
        putU16(hdr, SetupHeader.OFF_JUMP, (SetupHeader.SETUP_HEADER_END - SetupHeader.OFF_HEADER) << 8 | 0xeb);
        putU32(hdr, SetupHeader.OFF_HEADER, SetupHeader.HDRS_MAGIC);
        putU16(hdr, SetupHeader.OFF_VERSION, 0x020f);
        putU32(hdr, SetupHeader.OFF_KERNEL_ALIGNMENT, 0x20_0000);
        putU16(hdr, SetupHeader.OFF_XLOADFLAGS, SetupHeader.XLF_KERNEL_64);
        return hdr;
    }

    private static void writeE820(GuestMemory memory, GuestAddress at, List<E820.Entry> e820) {
        memory.writeByte(at.plus(OFF_E820_ENTRIES), (byte) e820.size());
        for (int i = 0; i < e820.size(); i++) {
            E820.Entry e = e820.get(i);
            GuestAddress slot = at.plus(OFF_E820_TABLE + (long) i * E820.ENTRY_SIZE);
            memory.writeLong(slot, e.addr());
            memory.writeLong(slot.plus(8), e.size());
            memory.writeInt(slot.plus(16), e.type());
        }
    }

    private static void putU16(byte[] hdr, int fileOffset, int value) {
        int i = fileOffset - SetupHeader.SETUP_HEADER_OFFSET;
        hdr[i] = (byte) value;
        hdr[i + 1] = (byte) (value >>> 8);
    }

    private static void putU32(byte[] hdr, int fileOffset, long value) {
        putU16(hdr, fileOffset, (int) value & 0xffff);
        putU16(hdr, fileOffset + 2, (int) (value >>> 16) & 0xffff);
    }
}
