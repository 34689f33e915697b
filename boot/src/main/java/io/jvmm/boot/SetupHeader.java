package io.jvmm.boot;

import java.lang.foreign.MemorySegment;

/**
 * The bzImage real-mode setup header (Documentation/arch/x86/boot.rst, "THE REAL-MODE KERNEL HEADER";
 * {@code struct setup_header} in arch/x86/include/uapi/asm/bootparam.h), parsed and validated.
 * Offsets are from the start of the image file, which begins with the real-mode boot sector.
 *
 * <pre>
 *  0x1f1 setup_sects  u8     0x214 code32_start   u32    0x236 xloadflags      u16
 *  0x1f4 syssize      u32
 *  0x1fe boot_flag    u16    0x218 ramdisk_image  u32    0x238 cmdline_size    u32
 *  0x200 jump         u16    0x21c ramdisk_size   u32    0x258 pref_address    u64
 *  0x202 header "HdrS" u32   0x228 cmd_line_ptr   u32    0x260 init_size       u32
 *  0x206 version      u16    0x22c initrd_addr_max u32   0x26c end of the 2.15 header
 *  0x210 type_of_loader u8   0x230 kernel_alignment u32
 *  0x211 loadflags    u8     0x234 relocatable_kernel u8
 *
 *  file: | boot sector (512) | setup (setup_sects * 512) | protected-mode kernel ... |
 * </pre>
 */
public record SetupHeader(
        int setupSects, int version, int loadflags, long code32Start, long initrdAddrMax,
        long kernelAlignment, boolean relocatableKernel, int xloadflags, long cmdlineSize,
        long prefAddress, long initSize, int headerEnd) {

    public static final int SETUP_HEADER_OFFSET = 0x1f1;
    public static final int OFF_SETUP_SECTS = 0x1f1;
    public static final int OFF_SYSSIZE = 0x1f4;
    public static final int OFF_BOOT_FLAG = 0x1fe;
    public static final int OFF_JUMP = 0x200;
    public static final int OFF_HEADER = 0x202;
    public static final int OFF_VERSION = 0x206;
    public static final int OFF_VID_MODE = 0x1fa;
    public static final int OFF_TYPE_OF_LOADER = 0x210;
    public static final int OFF_LOADFLAGS = 0x211;
    public static final int OFF_CODE32_START = 0x214;
    public static final int OFF_RAMDISK_IMAGE = 0x218;
    public static final int OFF_RAMDISK_SIZE = 0x21c;
    public static final int OFF_CMD_LINE_PTR = 0x228;
    public static final int OFF_INITRD_ADDR_MAX = 0x22c;
    public static final int OFF_KERNEL_ALIGNMENT = 0x230;
    public static final int OFF_RELOCATABLE_KERNEL = 0x234;
    public static final int OFF_XLOADFLAGS = 0x236;
    public static final int OFF_CMDLINE_SIZE = 0x238;
    public static final int OFF_PREF_ADDRESS = 0x258;
    public static final int OFF_INIT_SIZE = 0x260;
    /** End of struct setup_header as of protocol 2.15 (sizeof = 0x7b). */
    public static final int SETUP_HEADER_END = 0x26c;

    public static final int BOOT_FLAG = 0xaa55;
    /** "HdrS" read as a little-endian u32. */
    public static final long HDRS_MAGIC = 0x5372_6448L;
    /** Protocol 2.12 brought xloadflags, which says whether the 64-bit entry exists. */
    public static final int MIN_PROTOCOL = 0x020c;
    public static final int XLF_KERNEL_64 = 1 << 0;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
    public static final int LOADED_HIGH = 1 << 0;
    public static final int CAN_USE_HEAP = 1 << 7;
    /** type_of_loader for a boot loader with no assigned ID. */
    public static final int TYPE_OF_LOADER_UNDEFINED = 0xff;
    /** The 64-bit entry is this far into the protected-mode kernel (boot.rst, 64-bit protocol). */
    public static final int STARTUP_64_OFFSET = 0x200;
    /** "setup_sects: ... If this field is 0, the real value is 4." */
    public static final int DEFAULT_SETUP_SECTS = 4;
    public static final int SECTOR_SIZE = 512;

    private static final String KIND = "bzImage";

    /** {@link #parse(MemorySegment)} of an image held in a heap array. */
    public static SetupHeader parse(byte[] image) {
        return parse(MemorySegment.ofArray(image));
    }

    /** Parses and validates the header of {@code image}; every problem is a {@link BootException}. */
    public static SetupHeader parse(MemorySegment image) {
        ImageBytes in = new ImageBytes(KIND, image);
        int bootFlag = in.u16(OFF_BOOT_FLAG, "boot_flag");
        long magic = in.u32(OFF_HEADER, "header");
        if (magic != HDRS_MAGIC) {
            throw in.error(String.format("setup header magic is 0x%08x not HdrS (is this a bzImage?)", magic));
        }
        if (bootFlag != BOOT_FLAG) {
            throw in.error(String.format("boot_flag is 0x%04x not 0xaa55", bootFlag));
        }
        int version = in.u16(OFF_VERSION, "version");
        if (version < MIN_PROTOCOL) {
            throw in.error(String.format("boot protocol %d.%02d is too old (need 2.12 or later for the 64-bit entry)",
                    version >> 8, version & 0xff));
        }
        // Later fields exist only as far as the header goes: 0x202 + the jump's displacement byte.
        int headerEnd = OFF_HEADER + in.u8(OFF_JUMP + 1, "jump");
        in.check(0, Math.min(headerEnd, SETUP_HEADER_END), "setup header");
        if (headerEnd < OFF_INIT_SIZE + 4) {
            throw in.error(String.format("setup header ends at 0x%x, before init_size (0x%x) for protocol %d.%02d",
                    headerEnd, OFF_INIT_SIZE + 4, version >> 8, version & 0xff));
        }
        int xloadflags = in.u16(OFF_XLOADFLAGS, "xloadflags");
        if ((xloadflags & XLF_KERNEL_64) == 0) {
            throw in.error("xloadflags lacks XLF_KERNEL_64: this kernel has no 64-bit entry point");
        }
        int setupSects = in.u8(OFF_SETUP_SECTS, "setup_sects");
        if (setupSects == 0) {
            setupSects = DEFAULT_SETUP_SECTS;
        }
        long kernelAlignment = in.u32(OFF_KERNEL_ALIGNMENT, "kernel_alignment");
        if (kernelAlignment != 0 && Long.bitCount(kernelAlignment) != 1) {
            throw in.error(String.format("kernel_alignment 0x%x is not a power of two", kernelAlignment));
        }
        long cmdlineSize = in.u32(OFF_CMDLINE_SIZE, "cmdline_size");
        long initSize = in.u32(OFF_INIT_SIZE, "init_size");
        SetupHeader header = new SetupHeader(setupSects, version, in.u8(OFF_LOADFLAGS, "loadflags"),
                in.u32(OFF_CODE32_START, "code32_start"), in.u32(OFF_INITRD_ADDR_MAX, "initrd_addr_max"),
                kernelAlignment, in.u8(OFF_RELOCATABLE_KERNEL, "relocatable_kernel") != 0, xloadflags,
                cmdlineSize, in.u64(OFF_PREF_ADDRESS, "pref_address"), initSize, headerEnd);
        long pmSize = in.length() - header.setupSize();
        if (pmSize <= 0) {
            throw in.error("truncated: setup_sects = " + setupSects + " puts the protected-mode kernel at offset 0x"
                    + Long.toHexString(header.setupSize()) + " but the file is " + in.length() + " bytes");
        }
        // syssize (protocol 2.04+: u32) is the protected-mode code's size in 16-byte paragraphs: a shorter file was
        // cut off (0 means the builder did not say).
        long syssize = in.u32(OFF_SYSSIZE, "syssize");
        if (pmSize < syssize * 16) {
            throw in.error(String.format("truncated: syssize says 0x%x bytes of protected-mode kernel, the file has 0x%x",
                    syssize * 16, pmSize));
        }
        if (initSize < pmSize) {
            throw in.error(String.format("init_size 0x%x is smaller than the protected-mode kernel (0x%x bytes)",
                    initSize, pmSize));
        }
        return header;
    }

    /** Bytes before the protected-mode kernel: the boot sector plus setup_sects sectors. */
    public long setupSize() {
        return (long) (setupSects + 1) * SECTOR_SIZE;
    }

    /** Bytes of the setup header to copy into boot_params.hdr (the kernel's header, capped at 2.15). */
    public int headerCopyLength() {
        return Math.min(headerEnd, SETUP_HEADER_END) - SETUP_HEADER_OFFSET;
    }
}
