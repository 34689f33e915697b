package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;

import java.util.List;

/**
 * What the loader did: the boot vCPU's initial state, and where it put things (for logging and
 * tests). Memory contents are already written when the assembly gets this.
 *
 * @param format      how the kernel is entered
 * @param bootCpu     the state for vCPU 0 (KVM_SET_REGS / KVM_SET_SREGS); other vCPUs keep KVM's reset
 *                    state and wait for INIT/SIPI
 * @param kernelStart lowest guest address of the kernel
 * @param kernelEnd   first guest address past all memory the kernel uses while it starts
 * @param initrdStart where the initrd was put (null when none)
 * @param initrdSize  its size in bytes (0 when none)
 * @param cmdline     the command line as written at {@link BootLayout#CMDLINE_START}
 * @param e820        the memory map given to the kernel
 */
public record BootResult(KernelFormat format, CpuState bootCpu, GuestAddress kernelStart, GuestAddress kernelEnd,
                         GuestAddress initrdStart, long initrdSize, String cmdline, List<E820.Entry> e820) {

    /** How the kernel is entered. */
    public enum KernelFormat {
        /** bzImage, 64-bit entry (code32_start + 0x200) with a zero page. */
        BZIMAGE_64,
        /** ELF vmlinux through its PVH note, 32-bit protected mode with hvm_start_info. */
        ELF_PVH,
        /** ELF vmlinux without a PVH note, 64-bit entry e_entry with a zero page. */
        ELF_64
    }

    /** One line for the log, e.g. {@code ELF_PVH kernel 0x1000000-0x1e00000 entry 0x1000abc, initrd ...}. */
    public String summary() {
        return format + " kernel " + kernelStart + "-" + kernelEnd + " entry 0x" + Long.toHexString(bootCpu.rip())
                + (initrdStart == null ? ", no initrd" : ", initrd " + initrdStart + " (" + initrdSize + " bytes)");
    }
}
