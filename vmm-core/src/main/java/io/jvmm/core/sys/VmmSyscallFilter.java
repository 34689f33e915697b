package io.jvmm.core.sys;

import java.util.ArrayList;
import java.util.List;

/**
 * The seccomp filter of a running VMM: a deny list of system calls that jvmm (and the JVM under it: GC,
 * JIT compilers, signal handling, Jetty) never makes once the machine is built and its files, TAPs and
 * API socket are open. Everything else is allowed: an allow list would have to follow every JDK
 * update's system calls, and a JVM killed by a missed one is worse than the gain.
 *
 * <p>Refused calls fail with EPERM rather than killing the process: the deny list holds only calls
 * nothing in the VMM makes, so a refusal comes from a library path that then fails as a Java exception
 * (a {@code ProcessBuilder} throws IOException) with the guest and its disks shut down in order, instead
 * of a SIGSYS that takes the process down with the disk overlays unflushed. An attacker who runs code in
 * the VMM learns nothing from EPERM that a probe of the allowed calls would not tell them. Calls of
 * another architecture (a 32-bit {@code int 0x80} call has other numbers) and x32 calls kill the process:
 * the JVM never makes them, and their numbers would bypass the list.
 *
 * <p>{@code clone3} answers ENOSYS: its flags are in a struct the filter cannot read, and glibc falls
 * back to {@code clone} (whose flags are checked) when the kernel lacks clone3.
 */
public final class VmmSyscallFilter {
    // <asm/unistd_64.h>; pinned by VmmSyscallFilterTest against <sys/syscall.h>
    static final int SYS_socket = 41;
    static final int SYS_clone = 56;
    static final int SYS_fork = 57;
    static final int SYS_vfork = 58;
    static final int SYS_execve = 59;
    static final int SYS_ptrace = 101;
    static final int SYS_pivot_root = 155;
    static final int SYS_chroot = 161;
    static final int SYS_mount = 165;
    static final int SYS_umount2 = 166;
    static final int SYS_swapon = 167;
    static final int SYS_swapoff = 168;
    static final int SYS_reboot = 169;
    static final int SYS_iopl = 172;
    static final int SYS_ioperm = 173;
    static final int SYS_init_module = 175;
    static final int SYS_delete_module = 176;
    static final int SYS_kexec_load = 246;
    static final int SYS_add_key = 248;
    static final int SYS_request_key = 249;
    static final int SYS_keyctl = 250;
    static final int SYS_unshare = 272;
    static final int SYS_perf_event_open = 298;
    static final int SYS_setns = 308;
    static final int SYS_process_vm_readv = 310;
    static final int SYS_process_vm_writev = 311;
    static final int SYS_finit_module = 313;
    static final int SYS_kexec_file_load = 320;
    static final int SYS_bpf = 321;
    static final int SYS_execveat = 322;
    static final int SYS_userfaultfd = 323;
    static final int SYS_open_tree = 428;
    static final int SYS_move_mount = 429;
    static final int SYS_fsopen = 430;
    static final int SYS_fsconfig = 431;
    static final int SYS_fsmount = 432;
    static final int SYS_fspick = 433;
    static final int SYS_clone3 = 435;
    static final int SYS_mount_setattr = 442;

    // <linux/sched.h>, <bits/socket.h>
    static final int CLONE_THREAD = 0x00010000;
    /** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
    static final int CLONE_NEW_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
            | 0x40000000;
    static final int AF_UNIX = 1;
    static final int ENOSYS = 38;

    /** Refused outright with EPERM, by name (the log line and the test use the names). */
    static final List<Call> DENIED = List.of(
            new Call("execve", SYS_execve), new Call("execveat", SYS_execveat),
            new Call("fork", SYS_fork), new Call("vfork", SYS_vfork),
            new Call("ptrace", SYS_ptrace),
            new Call("process_vm_readv", SYS_process_vm_readv), new Call("process_vm_writev", SYS_process_vm_writev),
            new Call("mount", SYS_mount), new Call("umount2", SYS_umount2),
            new Call("open_tree", SYS_open_tree), new Call("move_mount", SYS_move_mount),
            new Call("fsopen", SYS_fsopen), new Call("fsconfig", SYS_fsconfig), new Call("fsmount", SYS_fsmount),
            new Call("fspick", SYS_fspick), new Call("mount_setattr", SYS_mount_setattr),
            new Call("pivot_root", SYS_pivot_root), new Call("chroot", SYS_chroot),
            new Call("unshare", SYS_unshare), new Call("setns", SYS_setns),
            new Call("kexec_load", SYS_kexec_load), new Call("kexec_file_load", SYS_kexec_file_load),
            new Call("init_module", SYS_init_module), new Call("finit_module", SYS_finit_module),
            new Call("delete_module", SYS_delete_module),
            new Call("bpf", SYS_bpf), new Call("perf_event_open", SYS_perf_event_open),
            new Call("keyctl", SYS_keyctl), new Call("add_key", SYS_add_key), new Call("request_key", SYS_request_key),
            new Call("reboot", SYS_reboot), new Call("swapon", SYS_swapon), new Call("swapoff", SYS_swapoff),
            new Call("iopl", SYS_iopl), new Call("ioperm", SYS_ioperm),
            new Call("userfaultfd", SYS_userfaultfd));

    record Call(String name, int nr) {
    }

    private VmmSyscallFilter() {
    }

    /**
     * The program. Layout (jumps skip forward only):
     * <pre>
     *   A = arch;  if A != AUDIT_ARCH_X86_64: KILL_PROCESS
     *   A = nr;    if A >= X32_SYSCALL_BIT:   KILL_PROCESS
     *   for each denied call:  if A == nr: ERRNO(EPERM)
     *   if A == clone3: ERRNO(ENOSYS)
     *   if A == clone:  A = args[0]; if A &amp; CLONE_THREAD and not A &amp; CLONE_NEW*: ALLOW else ERRNO(EPERM)
     *   if A == socket: A = args[0]; if A == AF_UNIX: ALLOW else ERRNO(EPERM)
     *   ALLOW
     * </pre>
     * Only clone and socket read an argument, so for every other call the result depends on the number
     * alone and the kernel (5.11+) caches it in its per-filter allow bitmap: an allowed ioctl(KVM_RUN)
     * does not run the program at all.
     */
    public static List<Seccomp.Insn> program() {
        int eperm = Seccomp.retErrno(Errno.EPERM);
        List<Seccomp.Insn> p = new ArrayList<>();
        p.add(Seccomp.Insn.load(Seccomp.SECCOMP_DATA_ARCH));
        p.add(Seccomp.Insn.jeq(Seccomp.AUDIT_ARCH_X86_64, 1, 0));
        p.add(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_KILL_PROCESS));
        p.add(Seccomp.Insn.load(Seccomp.SECCOMP_DATA_NR));
        p.add(Seccomp.Insn.jge(Seccomp.X32_SYSCALL_BIT, 0, 1));
        p.add(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_KILL_PROCESS));
        for (Call c : DENIED) {
            p.add(Seccomp.Insn.jeq(c.nr(), 0, 1));
            p.add(Seccomp.Insn.ret(eperm));
        }
        p.add(Seccomp.Insn.jeq(SYS_clone3, 0, 1));
        p.add(Seccomp.Insn.ret(Seccomp.retErrno(ENOSYS)));
        p.add(Seccomp.Insn.jeq(SYS_clone, 0, 5));
        p.add(Seccomp.Insn.load(Seccomp.SECCOMP_DATA_ARG0_LO));
        p.add(Seccomp.Insn.jset(CLONE_THREAD, 0, 2));
        p.add(Seccomp.Insn.jset(CLONE_NEW_NAMESPACES, 1, 0));
        p.add(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_ALLOW));
        p.add(Seccomp.Insn.ret(eperm));
        p.add(Seccomp.Insn.jeq(SYS_socket, 0, 4));
        p.add(Seccomp.Insn.load(Seccomp.SECCOMP_DATA_ARG0_LO));
        p.add(Seccomp.Insn.jeq(AF_UNIX, 0, 1));
        p.add(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_ALLOW));
        p.add(Seccomp.Insn.ret(eperm));
        p.add(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_ALLOW));
        return List.copyOf(p);
    }

    /** Installs {@link #program()} on every thread of the process; returns one line saying what was installed. */
    public static String install() {
        List<Seccomp.Insn> p = program();
        Seccomp.installOnAllThreads(p);
        return describe(p.size());
    }

    static String describe(int instructions) {
        List<String> names = new ArrayList<>();
        for (Call c : DENIED) {
            names.add(c.name());
        }
        return "seccomp filter installed on all threads (" + instructions + " BPF instructions): EPERM for "
                + String.join(", ", names) + ", clone without CLONE_THREAD or with CLONE_NEW*, and socket() other than AF_UNIX; "
                + "ENOSYS for clone3; other architectures and x32 calls kill the process";
    }
}
