package io.jvmm.machine;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.kvm.VmFd;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.VcpuKick;
import io.jvmm.core.vm.VirtualMachine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The exit path: how many port-I/O exits per second jvmm handles, for the benchmark to set against
 * {@code kvm-probe pio N} (a C program outside this repository; see docs/benchmarks.md), which handles the same exits in a bare C loop
 * around KVM_RUN. It lives here, not in the benchmark, because it drives the KVM binding directly.
 * The guest is kvm-probe's: 64-bit ring 3 (ring-3 code runs natively even on emulating KVM hosts, so the
 * loop itself costs nothing next to the exit), executing {@code out 0x80, al} N times. Each exit goes
 * through jvmm's whole path: the vCPU thread's KVM_RUN, ExitDispatcher, the PIO bus, a device.
 *
 * <pre>
 *   0x0500 GDT: null, kernel code 0x08, kernel data 0x10, user code 0x1b, user data 0x23
 *   0x1000 ring 0: push ss/rsp/rflags(IOPL 3)/cs/rip; iretq        -> ring 3 at 0x2000
 *   0x2000 ring 3: mov ecx, N; loop: out 0x80, al; dec rcx; jnz loop; out 0x81, al; jmp $
 *   0x9000 PML4 -> 0xa000 PDPT -> 0xb000 PD: first 1 GiB identity-mapped, 2 MiB pages, user-accessible
 * </pre>
 */
public final class ExitPathProbe {
    static final int PORT_COUNT = 0x80;
    static final int PORT_DONE = 0x81;
    private static final long RAM = 16L << 20;

    /** µs per exit and the number of exits counted. */
    public record Result(double usPerExit, long exits) {
        public double exitsPerSecond() {
            return 1e6 / usPerExit;
        }
    }

    private ExitPathProbe() {
    }

    /** {@code n} exits through a whole jvmm VM: vCPU thread, ExitDispatcher, the port bus, a device. */
    public static Result jvmm(Hypervisor hypervisor, int n) throws InterruptedException {
        Kvm kvm = hypervisor.kvm();
        VirtualMachine vm = VirtualMachine.create(kvm,
                new VirtualMachine.Config(List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), RAM)), 1, false));
        try {
            writeGuest(vm.memory(), n);
            AtomicLong count = new AtomicLong();
            vm.pio().insert("pio-count", PORT_COUNT, 1, new BusDevice() {
                @Override
                public void read(long offset, byte[] data) {
                    java.util.Arrays.fill(data, (byte) 0);
                }

                @Override
                public void write(long offset, byte[] data) {
                    count.incrementAndGet();
                }
            });
            vm.pio().insert("pio-done", PORT_DONE, 1, new BusDevice() {
                @Override
                public void read(long offset, byte[] data) {
                    java.util.Arrays.fill(data, (byte) 0);
                }

                @Override
                public void write(long offset, byte[] data) {
                    vm.stop(MachineExit.ok("pio loop done"));
                }
            });
            List<KvmCpuid2.Entry> cpuid = kvm.getSupportedCpuid();
            long t0 = System.nanoTime();
            vm.start(vcpu -> configure(vcpu, cpuid), null);
            MachineExit exit = vm.awaitExit(Duration.ofMinutes(10));
            long t1 = System.nanoTime();
            if (exit == null || !exit.success() || count.get() != n) {
                throw new IllegalStateException("pio guest: " + (exit == null ? "did not end" : exit.reason())
                        + ", " + count.get() + " of " + n + " exits");
            }
            return new Result((t1 - t0) / 1e3 / count.get(), count.get());
        } finally {
            vm.close();
        }
    }

    /**
     * The floor under jvmm's figure from Java: the same guest, KVM_RUN called in a plain loop on this thread
     * through jvmm's binding (FFM ioctl, kvm_run decode) but without the VM's thread, dispatcher, bus or
     * statistics. jvmm minus this = the cost of jvmm's exit handling; this minus kvm-probe = the cost of
     * the JVM and FFM.
     */
    public static Result bindingOnly(Hypervisor hypervisor, int n) {
        return bindingOnly(hypervisor, n, false);
    }

    /**
     * @param asVcpuThread run the loop on a new platform thread set up as jvmm sets up a vCPU thread (the
     *                     kick signal blocked, KVM_SET_SIGNAL_MASK unblocking it inside KVM_RUN), to tell
     *                     that cost apart from the dispatcher's
     */
    public static Result bindingOnly(Hypervisor hypervisor, int n, boolean asVcpuThread) {
        Kvm kvm = hypervisor.kvm();
        if (!asVcpuThread) {
            return bindingLoop(kvm, n, false);
        }
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("vcpu-bench").start(() -> {
            try {
                out.set(bindingLoop(kvm, n, true));
            } catch (RuntimeException e) {
                out.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        if (out.get() instanceof RuntimeException e) {
            throw e;
        }
        return (Result) out.get();
    }

    private static Result bindingLoop(Kvm kvm, int n, boolean signalMask) {
        List<KvmCpuid2.Entry> cpuid = kvm.getSupportedCpuid();
        try (VmFd vm = kvm.createVm();
             Mapping ram = Sys.mmap(RAM, Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED | Sys.MAP_ANONYMOUS | Sys.MAP_NORESERVE,
                     -1, 0, "pio guest RAM")) {
            vm.setTssAddr(VirtualMachine.KVM_TSS_ADDRESS);
            vm.setUserMemoryRegion(0, 0, RAM, ram.address());
            writeGuest(GuestMemory.of(new GuestRegion(GuestAddress.of(0), ram.segment())), n);
            try (VcpuFd vcpu = vm.createVcpu(0)) {
                if (signalMask) {
                    VcpuKick.forCurrentThread();
                    vcpu.setSignalMaskForKick();
                }
                configure(vcpu, cpuid);
                long exits = 0;
                long t0 = System.nanoTime();
                while (true) {
                    VcpuExit e = vcpu.run();
                    if (e instanceof VcpuExit.IoOut io && io.port() == PORT_COUNT) {
                        exits++;
                    } else if (!(e instanceof VcpuExit.Intr)) {
                        break;      // out 0x81: the loop is over (a signal to this thread gives Intr: go on)
                    }
                }
                long t1 = System.nanoTime();
                if (exits != n) {
                    throw new IllegalStateException("pio guest (binding only): " + exits + " of " + n + " exits");
                }
                return new Result((t1 - t0) / 1e3 / exits, exits);
            }
        }
    }

    /** 64-bit flat segments, kvm-probe's GDT and page tables, entry at 0x1000 in ring 0. */
    private static void configure(VcpuFd vcpu, List<KvmCpuid2.Entry> cpuid) {
        vcpu.setCpuid2(cpuid);
        KvmSregs s = vcpu.getSregs();
        // Flat 64-bit segments as in the GDT: type 11 = code exec/read accessed, 3 = data read/write accessed.
        s.seg(KvmSregs.Seg.cs).set(0, 0xffffffff, 0x08, 11, true, 0, false, true, true, true, false, false);
        for (KvmSregs.Seg d : new KvmSregs.Seg[] {KvmSregs.Seg.ds, KvmSregs.Seg.es, KvmSregs.Seg.fs, KvmSregs.Seg.gs, KvmSregs.Seg.ss}) {
            s.seg(d).set(0, 0xffffffff, 0x10, 3, true, 0, true, true, false, true, false, false);
        }
        s.dtable("gdt", 0x500, 5 * 8 - 1);
        s.set(KvmSregs.Ctl.cr3, 0x9000);
        s.set(KvmSregs.Ctl.cr4, 0x20);              // PAE
        s.set(KvmSregs.Ctl.cr0, 0x80050033L);       // PG | AM | WP | NE | ET | MP | PE
        s.set(KvmSregs.Ctl.efer, 0x500);            // LME | LMA
        vcpu.setSregs(s);
        vcpu.setRegs(new KvmRegs().rip(0x1000).rflags(KvmRegs.RFLAGS_RESERVED).rsp(0x80000));
    }

    private static void writeGuest(GuestMemory mem, int n) {
        long[] gdt = {0, 0x00af9b000000ffffL, 0x00cf93000000ffffL, 0x00affb000000ffffL, 0x00cff3000000ffffL};
        for (int i = 0; i < gdt.length; i++) {
            mem.writeLong(GuestAddress.of(0x500 + 8L * i), gdt[i]);
        }
        mem.writeLong(GuestAddress.of(0x9000), 0xa000 | 7);          // present, writable, user
        mem.writeLong(GuestAddress.of(0xa000), 0xb000 | 7);
        for (int i = 0; i < 512; i++) {
            mem.writeLong(GuestAddress.of(0xb000 + 8L * i), (i * 0x200000L) | 0x87); // + PS: 2 MiB page
        }
        mem.write(GuestAddress.of(0x1000), new byte[] {
                0x6a, 0x23,                         // push 0x23      user ss
                0x68, 0x00, 0x00, 0x08, 0x00,       // push 0x80000   user rsp
                0x68, 0x02, 0x30, 0x00, 0x00,       // push 0x3002    rflags: IOPL 3, so ring 3 may use ports
                0x6a, 0x1b,                         // push 0x1b      user cs
                0x68, 0x00, 0x20, 0x00, 0x00,       // push 0x2000    user rip
                0x48, (byte) 0xcf});                // iretq
        mem.write(GuestAddress.of(0x2000), new byte[] {
                (byte) 0xb9, (byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24), // mov ecx, n
                (byte) 0xe6, (byte) PORT_COUNT,     // loop: out 0x80, al
                0x48, (byte) 0xff, (byte) 0xc9,     // dec rcx
                0x75, (byte) 0xf9,                  // jnz loop
                (byte) 0xe6, (byte) PORT_DONE,      // out 0x81, al: done
                (byte) 0xeb, (byte) 0xfe});         // jmp $
    }
}
