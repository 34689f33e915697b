package io.jvmm.core.vm;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Helpers for tests that run tiny hand-assembled guests on the real /dev/kvm. */
final class TestGuests {
    static final long PML4 = 0x9000;
    static final long PDPT = 0xa000;
    static final long PD = 0xb000;
    static final long GDT = 0x500;
    static final long STACK = 0x80000;
    /** Guest-physical address with no RAM behind it: accesses become MMIO exits. */
    static final long MMIO_BASE = 0x2000_0000L;

    private TestGuests() {
    }

    /** Skips the calling test with a clear reason where /dev/kvm cannot be used. */
    static void assumeKvm() {
        Path dev = Path.of(Kvm.DEV_KVM);
        assumeTrue(Files.exists(dev), "no /dev/kvm on this host: KVM tests skipped");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev),
                "/dev/kvm is not accessible to this user: KVM tests skipped (run as root or join the kvm group)");
    }

    static VirtualMachine.Config config(long ramBytes, int vcpus, boolean irqchip) {
        return new VirtualMachine.Config(List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), ramBytes)), vcpus, irqchip);
    }

    /** Real mode, CS = DS = 0, at {@code rip}. */
    static void realMode(VcpuFd vcpu, long rip) {
        KvmSregs sregs = vcpu.getSregs();
        sregs.seg(KvmSregs.Seg.cs).setRealMode(0, true);
        sregs.seg(KvmSregs.Seg.ds).setRealMode(0, false);
        vcpu.setSregs(sregs);
        vcpu.setRegs(new KvmRegs().rip(rip).rflags(KvmRegs.RFLAGS_RESERVED));
    }

    /**
     * Flat 64-bit long mode, ring 0, at {@code rip}: identity map of the first 1 GiB with 2 MiB pages,
     * user-accessible (so ring-3 code may use it too), GDT with kernel and user code/data.
     */
    static void longMode(VcpuFd vcpu, GuestMemory mem, long rip) {
        mem.writeLong(GuestAddress.of(PML4), PDPT | 7);    // present, writable, user
        mem.writeLong(GuestAddress.of(PDPT), PD | 7);
        for (int i = 0; i < 512; i++) {
            mem.writeLong(GuestAddress.of(PD + 8L * i), (i * 0x200000L) | 0x87); // + PS: 2 MiB page
        }
        mem.writeLong(GuestAddress.of(GDT + 0x08), 0x00af9b000000ffffL); // 0x08 kernel code, L=1
        mem.writeLong(GuestAddress.of(GDT + 0x10), 0x00cf93000000ffffL); // 0x10 kernel data
        mem.writeLong(GuestAddress.of(GDT + 0x18), 0x00affb000000ffffL); // 0x18 user code (DPL 3), L=1
        mem.writeLong(GuestAddress.of(GDT + 0x20), 0x00cff3000000ffffL); // 0x20 user data (DPL 3)
        KvmSregs s = vcpu.getSregs();
        s.seg(KvmSregs.Seg.cs).set(0, 0xffffffff, 0x08, 0xb, true, 0, false, true, true, true, false, false);
        for (KvmSregs.Seg d : new KvmSregs.Seg[] {KvmSregs.Seg.ds, KvmSregs.Seg.es, KvmSregs.Seg.fs,
                KvmSregs.Seg.gs, KvmSregs.Seg.ss}) {
            s.seg(d).set(0, 0xffffffff, 0x10, 0x3, true, 0, true, true, false, true, false, false);
        }
        s.dtable("gdt", GDT, 5 * 8 - 1);
        s.set(KvmSregs.Ctl.cr3, PML4);
        s.set(KvmSregs.Ctl.cr4, 0x20);          // PAE
        s.set(KvmSregs.Ctl.cr0, 0x80050033L);   // PG WP AM NE ET MP PE
        s.set(KvmSregs.Ctl.efer, 0x500);        // LME LMA
        vcpu.setSregs(s);
        vcpu.setRegs(new KvmRegs().rip(rip).rflags(KvmRegs.RFLAGS_RESERVED).rsp(STACK));
    }

    /** Ring-0 code that drops to ring 3 at {@code userRip} with IOPL 3 (so ring 3 may do port I/O). */
    static byte[] iretqToRing3(int userRip) {
        return new byte[] {
                0x6a, 0x23,                                     // push 0x23        user ss
                0x68, 0x00, 0x00, 0x08, 0x00,                   // push 0x80000     user rsp
                0x68, 0x02, 0x30, 0x00, 0x00,                   // push 0x3002      rflags: IOPL 3
                0x6a, 0x1b,                                     // push 0x1b        user cs
                0x68, (byte) userRip, (byte) (userRip >> 8), (byte) (userRip >> 16), (byte) (userRip >> 24), // push rip
                0x48, (byte) 0xcf};                             // iretq
    }

    /** A device that records every access and answers reads with a fixed byte pattern. */
    static final class Recorder implements BusDevice {
        record Access(String thread, boolean write, long offset, byte[] data) {
        }

        final List<Access> accesses = new CopyOnWriteArrayList<>();
        final byte answer;

        Recorder(int answer) {
            this.answer = (byte) answer;
        }

        @Override
        public void read(long offset, byte[] data) {
            java.util.Arrays.fill(data, answer);
            accesses.add(new Access(Thread.currentThread().getName(), false, offset, data.clone()));
        }

        @Override
        public void write(long offset, byte[] data) {
            accesses.add(new Access(Thread.currentThread().getName(), true, offset, data.clone()));
        }
    }
}
