package io.jvmm.examples;

import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.kvm.VmFd;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The smallest complete VMM: open /dev/kvm, create a VM with 64 KiB of RAM, put 20 bytes of guest code
 * in it, create one vCPU in real mode, and run it, playing the serial port for every `out` until the
 * guest halts. It says what it does at each step. Run it with {@code examples/run SmallestVmm}.
 *
 * <p>It uses jvmm's KVM binding ({@code io.jvmm.core.kvm}: one method per ioctl) directly, which
 * vmm-core exports only to the machine module and, by a qualified export in vmm-core's module-info, to
 * this examples module: a device or front end cannot reach KVM, a learner's example may. (The machine
 * module's API would hide exactly what this example is here to show.) A real VMM adds what this one
 * leaves out: devices on a bus, an in-kernel interrupt controller, threads, a kick to stop the vCPU.
 */
public final class SmallestVmm {
    /** Real mode, loaded at 0x1000: prints "hello\n" on port 0x3f8 (COM1), then halts. */
    static final byte[] HELLO = {
            (byte) 0xba, (byte) 0xf8, 0x03,     // mov dx, 0x3f8
            (byte) 0xb0, 'h', (byte) 0xee,      // mov al, 'h'; out dx, al
            (byte) 0xb0, 'e', (byte) 0xee,      // mov al, 'e'; out dx, al
            (byte) 0xb0, 'l', (byte) 0xee,      // mov al, 'l'; out dx, al
            (byte) 0xee,                        // out dx, al   ('l' again)
            (byte) 0xb0, 'o', (byte) 0xee,      // mov al, 'o'; out dx, al
            (byte) 0xb0, '\n', (byte) 0xee,     // mov al, '\n'; out dx, al
            (byte) 0xf4};                       // hlt

    static final long RAM_SIZE = 0x10000;
    static final long ENTRY = 0x1000;
    static final int COM1 = 0x3f8;

    private SmallestVmm() {
    }

    public static void main(String[] args) {
        System.out.print("guest printed: " + run(System.out));
    }

    /** Runs the guest, narrating on {@code log}; returns what the guest printed. */
    static String run(PrintStream log) {
        StringBuilder printed = new StringBuilder();
        // Guest RAM is ordinary memory of this process; the arena frees it after the VM is closed.
        try (Arena arena = Arena.ofConfined();
             Kvm kvm = Kvm.open();
             VmFd vm = kvm.createVm()) {
            log.println("open /dev/kvm: KVM API version " + kvm.getApiVersion() + "; KVM_CREATE_VM");
            // Intel's VMX runs real mode through a TSS of 3 pages KVM keeps here (unused elsewhere).
            vm.setTssAddr(0xfffb_d000L);

            MemorySegment ram = arena.allocate(RAM_SIZE, 4096); // page-aligned, as KVM requires
            vm.setUserMemoryRegion(0, 0, RAM_SIZE, ram.address());
            log.printf("KVM_SET_USER_MEMORY_REGION: guest-physical 0x0-0x%x is this process's memory at 0x%x%n",
                    RAM_SIZE - 1, ram.address());
            MemorySegment.copy(HELLO, 0, ram, ValueLayout.JAVA_BYTE, ENTRY, HELLO.length);
            log.printf("wrote the %d-byte guest at guest-physical 0x%x%n", HELLO.length, ENTRY);

            try (VcpuFd vcpu = vm.createVcpu(0)) {
                // Real mode as after a reset, but with CS base 0: the first instruction is at CS:IP = 0:0x1000.
                KvmSregs sregs = vcpu.getSregs();
                sregs.seg(KvmSregs.Seg.cs).setRealMode(0, true);
                sregs.seg(KvmSregs.Seg.ds).setRealMode(0, false);
                vcpu.setSregs(sregs);
                vcpu.setRegs(new KvmRegs().rip(ENTRY).rflags(KvmRegs.RFLAGS_RESERVED));
                log.println("KVM_CREATE_VCPU 0, KVM_SET_SREGS (real mode, CS base 0), KVM_SET_REGS (rip 0x1000)");

                for (int exits = 1; ; exits++) {
                    VcpuExit exit = vcpu.run(); // KVM_RUN: the guest runs until it needs us
                    switch (exit) {
                        case VcpuExit.IoOut out when out.port() == COM1 -> {
                            // The byte the guest wrote is in the vCPU's shared kvm_run page.
                            char c = (char) out.data().get(ValueLayout.JAVA_BYTE, 0);
                            printed.append(c);
                            log.printf("exit %d: KVM_EXIT_IO out 0x%x <- %s: we are the serial port, we print it%n",
                                    exits, out.port(), c == '\n' ? "'\\n'" : "'" + c + "'");
                        }
                        case VcpuExit.Hlt h -> {
                            log.printf("exit %d: KVM_EXIT_HLT: no interrupt controller could wake it, so we stop%n", exits);
                            return printed.toString();
                        }
                        default -> throw new IllegalStateException("exit " + exits + ": unexpected " + exit.kind());
                    }
                }
            }
        }
    }
}
