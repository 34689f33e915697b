package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Placement of a bzImage's protected-mode kernel (boot.rst, "LOADING THE REST OF THE KERNEL" and
 * "64-bit BOOT PROTOCOL"). The kernel is loaded at pref_address when that fits, else at 1 MiB; the
 * 64-bit entry is {@link SetupHeader#STARTUP_64_OFFSET} past the load address.
 *
 * <p>The memory the kernel uses while it decompresses is not just [load, load + init_size): the
 * decompressor (arch/x86/boot/compressed/head_64.S) first moves itself to
 * max(align_up(load, kernel_alignment), LOAD_PHYSICAL_ADDR) for a relocatable kernel, or to
 * LOAD_PHYSICAL_ADDR (= pref_address) otherwise, and uses init_size bytes from there. That is the
 * range the initrd must stay clear of.
 */
public record BzImage(SetupHeader header, long loadAddress, long end) {

    /** Chooses where to load the kernel in RAM [0, ramEnd) and checks that it fits. */
    public static BzImage place(SetupHeader h, long imageLength, long ramEnd) {
        long pmSize = imageLength - h.setupSize();
        long pref = h.prefAddress();
        long load = BootLayout.HIMEM_START.value();
        if (Long.compareUnsigned(pref, load) > 0 && pref < ramEnd && fits(pref, h.initSize(), ramEnd)) {
            load = pref;
        }
        long runBase;
        if (h.relocatableKernel()) {
            long align = Math.max(h.kernelAlignment(), 1);
            long aligned = (load + align - 1) & -align;
            runBase = Long.compareUnsigned(pref, aligned) > 0 ? pref : aligned;
        } else {
            runBase = pref != 0 ? pref : load;
        }
        long end = Math.max(load + pmSize, runBase + h.initSize());
        if (runBase < 0 || end < 0 || end > ramEnd) {
            throw new BootException(String.format("bzImage: kernel needs guest RAM up to 0x%x (loaded at 0x%x,"
                    + " runs at 0x%x with init_size 0x%x) but RAM below the MMIO hole ends at 0x%x; give the"
                    + " guest more memory", end, load, runBase, h.initSize(), ramEnd));
        }
        return new BzImage(h, load, end);
    }

    /** The 64-bit entry point, startup_64 of the decompressor. */
    public GuestAddress entry64() {
        return GuestAddress.of(loadAddress + SetupHeader.STARTUP_64_OFFSET);
    }

    /** Copies the protected-mode kernel (the file after the setup sectors) to the load address. */
    public void load(GuestMemory memory, MemorySegment image) {
        // SetupHeader.parse checked that the file is longer than the setup sectors.
        long from = header.setupSize();
        memory.write(GuestAddress.of(loadAddress), image.asSlice(from, image.byteSize() - from));
    }

    /** Bytes 0x1f1.. of the image: the setup header to copy into boot_params.hdr (parse checked they exist). */
    public byte[] headerBytes(MemorySegment image) {
        return image.asSlice(SetupHeader.SETUP_HEADER_OFFSET, header.headerCopyLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    private static boolean fits(long start, long size, long ramEnd) {
        return size <= ramEnd && start <= ramEnd - size;
    }
}
