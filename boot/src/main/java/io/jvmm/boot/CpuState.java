package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

/**
 * The boot vCPU's initial register state, as plain data: the assembly copies it into
 * {@code struct kvm_regs} (general registers, rip, rflags) and {@code struct kvm_sregs} (segments,
 * descriptor tables, control registers, efer; apic_base and interrupt_bitmap stay as KVM has them).
 * Only the boot processor gets this state; the others wait for INIT/SIPI from it, which KVM's local
 * APIC handles.
 */
public record CpuState(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
        long rip, long rflags,
        Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss, Segment tr, Segment ldt,
        DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long cr8, long efer) {

    public static final long X86_CR0_PE = 1L << 0;
    public static final long X86_CR0_ET = 1L << 4;
    public static final long X86_CR0_PG = 1L << 31;
    public static final long X86_CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    /** RFLAGS bit 1 is reserved and always set; IF (bit 9) clear: the protocols want interrupts off. */
    public static final long X86_EFLAGS_FIXED = 1L << 1;

    /**
     * 64-bit long mode with paging, for the kernel's 64-bit entry (boot.rst, "64-bit BOOT PROTOCOL"):
     * writes the boot GDT and identity page tables into {@code memory}; CS = __BOOT_CS (64-bit code),
     * DS/ES/SS/FS/GS = __BOOT_DS, interrupts off, rsi = the zero page.
     */
    public static CpuState longMode(GuestMemory memory, GuestAddress entry, GuestAddress zeroPage) {
        long[] table = Gdt.table(true);
        DescriptorTable gdt = Gdt.write(memory, table);
        long cr3 = PageTables.writeIdentityMap(memory);
        Segment code = Segment.fromDescriptor(table[Gdt.BOOT_CS >> 3], Gdt.BOOT_CS);
        Segment data = Segment.fromDescriptor(table[Gdt.BOOT_DS >> 3], Gdt.BOOT_DS);
        Segment tss = Segment.fromDescriptor(table[Gdt.BOOT_TSS >> 3], Gdt.BOOT_TSS);
        long sp = BootLayout.BOOT_STACK_POINTER;
        return new CpuState(0, 0, 0, 0, zeroPage.value(), 0, sp, sp, 0, 0, 0, 0, 0, 0, 0, 0,
                entry.value(), X86_EFLAGS_FIXED,
                code, data, data, data, data, data, tss, Segment.unusableLdt(),
                gdt, Gdt.idt(),
                X86_CR0_PE | X86_CR0_ET | X86_CR0_PG, 0, cr3, X86_CR4_PAE, 0, EFER_LME | EFER_LMA);
    }

    /**
     * 32-bit protected flat mode without paging, for the PVH entry (xen/include/public/arch-x86/
     * hvm/start_info.h and Linux arch/x86/platform/pvh/head.S): CR0.PE set, CR0.PG clear, CS a 32-bit
     * flat code segment, DS/ES/SS flat data, TR a 32-bit TSS, interrupts off, ebx = start info.
     */
    public static CpuState protectedMode32(GuestMemory memory, GuestAddress entry, GuestAddress startInfo) {
        long[] table = Gdt.table(false);
        DescriptorTable gdt = Gdt.write(memory, table);
        Segment code = Segment.fromDescriptor(table[Gdt.BOOT_CS >> 3], Gdt.BOOT_CS);
        Segment data = Segment.fromDescriptor(table[Gdt.BOOT_DS >> 3], Gdt.BOOT_DS);
        Segment tss = Segment.fromDescriptor(table[Gdt.BOOT_TSS >> 3], Gdt.BOOT_TSS);
        return new CpuState(0, startInfo.value(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                entry.value(), X86_EFLAGS_FIXED,
                code, data, data, data, data, data, tss, Segment.unusableLdt(),
                gdt, Gdt.idt(),
                X86_CR0_PE | X86_CR0_ET, 0, 0, 0, 0, 0);
    }
}
