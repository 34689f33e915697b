package io.jvmm.core.sys;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.vm.VirtualMachine;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The process {@link SeccompProcessTest} starts (a filter cannot be removed, so never in the test JVM):
 * builds a VM running a tiny real-mode guest, installs the VMM's filter ({@code filter}) or not
 * ({@code none}), runs the guest, then tries the refused calls from a thread started after the filter.
 * Prints one {@code NAME OUTCOME} line per attempt. {@code x32} makes an x32 call, which kills the process.
 */
public final class SeccompChild {
    // <asm/unistd_64.h>
    static final int SYS_getpid = 39;
    static final int AT_FDCWD = -100;
    static final int PTRACE_ATTACH = 16;
    static final int SIGCHLD = 17;
    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int CLONE_NEWNS = 0x00020000;
    static final int CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800;

    private SeccompChild() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        // mov dx, 0x3f8; mov al, 'o'; out dx, al; mov al, 'k'; out dx, al; hlt
        byte[] code = {(byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xb0, 'o', (byte) 0xee, (byte) 0xb0, 'k', (byte) 0xee, (byte) 0xf4};
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Kvm kvm = Kvm.open(); VirtualMachine vm = VirtualMachine.create(kvm, new VirtualMachine.Config(
                List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), 0x10000)), 1, false, null))) {
            vm.pio().insert("console", 0x3f8, 8, new BusDevice() {
                @Override
                public void read(long offset, byte[] data) {
                }

                @Override
                public synchronized void write(long offset, byte[] data) {
                    console.write(data, 0, data.length);
                }
            });
            vm.memory().write(GuestAddress.of(0x1000), code);
            if (!mode.equals("none")) {
                System.out.println("installed " + VmmSyscallFilter.install());
            }
            if (mode.equals("x32")) {
                System.out.flush();
                SyscallProbe.call(Seccomp.X32_SYSCALL_BIT | SYS_getpid);
                System.out.println("x32 survived");
                return;
            }
            vm.start(vcpu -> {
                KvmSregs sregs = vcpu.getSregs();
                sregs.seg(KvmSregs.Seg.cs).setRealMode(0, true);
                sregs.seg(KvmSregs.Seg.ds).setRealMode(0, false);
                vcpu.setSregs(sregs);
                vcpu.setRegs(new KvmRegs().rip(0x1000).rflags(KvmRegs.RFLAGS_RESERVED));
            }, null);
            MachineExit exit = vm.awaitExit(Duration.ofSeconds(30));
            synchronized (console) {
                System.out.println("guest " + console.toString(StandardCharsets.US_ASCII) + " "
                        + (exit == null ? "running" : "status " + exit.status()));
            }
        }
        Thread probe = Thread.ofPlatform().name("probe").start(() -> probe(mode.equals("filter")));
        probe.join();
        System.gc();
        System.out.println("done");
    }

    private static void probe(boolean filtered) {
        try (Arena a = Arena.ofConfined()) {
            long missing = SyscallProbe.cString(a, "/nonexistent-jvmm-probe");
            long execve = SyscallProbe.call(VmmSyscallFilter.SYS_execve, missing, 0, 0);
            print("execve", execve);
            print("execveat", SyscallProbe.call(VmmSyscallFilter.SYS_execveat, AT_FDCWD, missing, 0, 0, 0));
            print("mount", SyscallProbe.call(VmmSyscallFilter.SYS_mount, SyscallProbe.cString(a, "none"), missing,
                    SyscallProbe.cString(a, "tmpfs"), 0, 0));
            print("ptrace", SyscallProbe.call(VmmSyscallFilter.SYS_ptrace, PTRACE_ATTACH, 0x3fffffff, 0, 0));
            print("clone3", SyscallProbe.call(VmmSyscallFilter.SYS_clone3, 0, 0));
            print("bpf", SyscallProbe.call(VmmSyscallFilter.SYS_bpf, -1, 0, 0));
            long inet = SyscallProbe.call(VmmSyscallFilter.SYS_socket, AF_INET, SOCK_STREAM, 0);
            print("socket-inet", inet);
            long unix = SyscallProbe.call(VmmSyscallFilter.SYS_socket, VmmSyscallFilter.AF_UNIX, SOCK_STREAM, 0);
            print("socket-unix", unix);
            for (long fd : new long[] {inet, unix}) {
                if (fd >= 0) {
                    Sys.close((int) fd, "probe socket");
                }
            }
            if (filtered && execve == -Errno.EPERM) {
                // Only once the filter is shown to be in place: unfiltered, these would copy this JVM.
                print("fork", SyscallProbe.call(VmmSyscallFilter.SYS_fork));
                print("vfork", SyscallProbe.call(VmmSyscallFilter.SYS_vfork));
                print("clone-process", SyscallProbe.call(VmmSyscallFilter.SYS_clone, SIGCHLD, 0, 0, 0, 0));
                print("clone-thread-newns", SyscallProbe.call(VmmSyscallFilter.SYS_clone,
                        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | VmmSyscallFilter.CLONE_THREAD | CLONE_NEWNS, 0, 0, 0, 0));
            }
            try {
                Process p = new ProcessBuilder("/bin/true").start();
                System.out.println("processbuilder exit " + p.waitFor());
            } catch (Exception e) {
                System.out.println("processbuilder refused " + e.getMessage());
            }
        }
    }

    private static void print(String name, long r) {
        System.out.println(name + " " + SyscallProbe.outcome(r));
    }
}
