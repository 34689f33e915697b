package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Places the initrd as high as allowed, as boot.rst recommends ("it is recommended that the initrd be
 * loaded as high in memory as possible"): page aligned, ending at or below min(initrd_addr_max + 1,
 * end of RAM below the MMIO hole), and above everything the kernel occupies while it starts.
 */
record Initrd(long addr, long size) {

    static final Initrd NONE = new Initrd(0, 0);

    /**
     * Computes where an initrd of {@code size} bytes goes. {@code kernelEnd} is the first byte past the
     * kernel; {@code initrdAddrMax} is the highest address the initrd may occupy (boot.rst
     * initrd_addr_max: "the maximum address that may be occupied by the initial ramdisk/ramfs").
     */
    static long highestAddress(long size, long kernelEnd, long ramEnd, long initrdAddrMax) {
        long limit = Math.min(ramEnd, initrdAddrMax + 1);
        if (size > limit) {
            throw new BootException(String.format("initrd of %d bytes is larger than the memory it may use"
                    + " (below 0x%x); give the guest more memory", size, limit));
        }
        long addr = (limit - size) & -BootLayout.PAGE_SIZE;
        if (addr < kernelEnd) {
            throw new BootException(String.format("initrd of %d bytes does not fit between the kernel's end 0x%x"
                    + " and 0x%x: it would overlap the kernel; give the guest more memory", size, kernelEnd, limit));
        }
        return addr;
    }

    /** Places and copies {@code initrd} (null or empty: none), straight from its file when it is mapped. */
    static Initrd place(GuestMemory memory, MemorySegment initrd, long kernelEnd, long ramEnd, long initrdAddrMax) {
        if (initrd == null || initrd.byteSize() == 0) {
            return NONE;
        }
        long addr = highestAddress(initrd.byteSize(), kernelEnd, ramEnd, initrdAddrMax);
        memory.write(GuestAddress.of(addr), initrd);
        return new Initrd(addr, initrd.byteSize());
    }
}
