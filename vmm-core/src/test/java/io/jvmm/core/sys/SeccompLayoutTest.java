package io.jvmm.core.sys;

import io.jvmm.core.kvm.KernelHeaderCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The seccomp and termios structs, constants and system call numbers against the real headers (gcc
 * prints sizeof/offsetof and the macros), and the shape of the VMM's filter program.
 */
class SeccompLayoutTest {
    private static final String PRELUDE = """
            #define _GNU_SOURCE
            #include <linux/filter.h>
            #include <linux/seccomp.h>
            #include <linux/audit.h>
            #include <linux/sched.h>
            #include <sys/prctl.h>
            #include <sys/syscall.h>
            #include <sys/socket.h>
            #include <termios.h>
            #include <errno.h>
            #include <sys/mount.h>
            #include <signal.h>
            """;

    @Test
    void structsConstantsAndSyscallNumbersMatchTheHeaders() throws Exception {
        assumeTrue(KernelHeaderCheck.available(), KernelHeaderCheck.unavailableReason());
        Map<String, Long> java = new LinkedHashMap<>();
        Map<String, String> c = new LinkedHashMap<>();
        layout(Seccomp.SOCK_FILTER, List.of("code", "jt", "jf", "k"), java, c);
        layout(Seccomp.SOCK_FPROG, List.of("len", "filter"), java, c);
        layout(Termios.TERMIOS, List.of("c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc", "c_ispeed", "c_ospeed"), java, c);
        constant("NCCS", Termios.NCCS, java, c);
        constant("TCSADRAIN", Termios.TCSADRAIN, java, c);
        constant("offsetof(struct seccomp_data, nr)", Seccomp.SECCOMP_DATA_NR, java, c);
        constant("offsetof(struct seccomp_data, arch)", Seccomp.SECCOMP_DATA_ARCH, java, c);
        constant("offsetof(struct seccomp_data, args)", Seccomp.SECCOMP_DATA_ARG0_LO, java, c);
        constant("BPF_LD", Seccomp.BPF_LD, java, c);
        constant("BPF_JMP", Seccomp.BPF_JMP, java, c);
        constant("BPF_RET", Seccomp.BPF_RET, java, c);
        constant("BPF_W", Seccomp.BPF_W, java, c);
        constant("BPF_ABS", Seccomp.BPF_ABS, java, c);
        constant("BPF_JEQ", Seccomp.BPF_JEQ, java, c);
        constant("BPF_JGE", Seccomp.BPF_JGE, java, c);
        constant("BPF_JSET", Seccomp.BPF_JSET, java, c);
        constant("BPF_K", Seccomp.BPF_K, java, c);
        constant("BPF_MAXINSNS", Seccomp.BPF_MAXINSNS, java, c);
        constant("SECCOMP_SET_MODE_FILTER", Seccomp.SECCOMP_SET_MODE_FILTER, java, c);
        constant("SECCOMP_FILTER_FLAG_TSYNC", Seccomp.SECCOMP_FILTER_FLAG_TSYNC, java, c);
        constant("SECCOMP_RET_KILL_PROCESS", Seccomp.SECCOMP_RET_KILL_PROCESS & 0xffffffffL, java, c);
        constant("SECCOMP_RET_ERRNO", Seccomp.SECCOMP_RET_ERRNO, java, c);
        constant("SECCOMP_RET_ALLOW", Seccomp.SECCOMP_RET_ALLOW, java, c);
        constant("AUDIT_ARCH_X86_64", Seccomp.AUDIT_ARCH_X86_64 & 0xffffffffL, java, c);
        constant("__X32_SYSCALL_BIT", Seccomp.X32_SYSCALL_BIT, java, c);
        constant("PR_SET_NO_NEW_PRIVS", Seccomp.PR_SET_NO_NEW_PRIVS, java, c);
        constant("SYS_seccomp", Seccomp.SYS_SECCOMP, java, c);
        constant("CLONE_THREAD", VmmSyscallFilter.CLONE_THREAD, java, c);
        constant("CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET",
                VmmSyscallFilter.CLONE_NEW_NAMESPACES, java, c);
        constant("AF_UNIX", VmmSyscallFilter.AF_UNIX, java, c);
        constant("ENOSYS", VmmSyscallFilter.ENOSYS, java, c);
        for (VmmSyscallFilter.Call call : VmmSyscallFilter.DENIED) {
            constant("SYS_" + call.name(), call.nr(), java, c);
        }
        constant("SYS_clone", VmmSyscallFilter.SYS_clone, java, c);
        constant("SYS_clone3", VmmSyscallFilter.SYS_clone3, java, c);
        constant("SYS_socket", VmmSyscallFilter.SYS_socket, java, c);
        constant("MNT_DETACH", Confinement.MNT_DETACH, java, c);
        constant("PR_SET_PDEATHSIG", Confinement.PR_SET_PDEATHSIG, java, c);
        constant("SIGKILL", Confinement.SIGKILL, java, c);

        Map<String, Long> fromC = KernelHeaderCheck.evaluate(PRELUDE, c);
        assertEquals(java, fromC);
    }

    private static void layout(StructLayout s, List<String> fields, Map<String, Long> java, Map<String, String> c) {
        String struct = s.name().orElseThrow();
        constant("sizeof(struct " + struct + ")", s.byteSize(), java, c);
        for (String f : fields) {
            constant("offsetof(struct " + struct + ", " + f + ")", s.byteOffset(MemoryLayout.PathElement.groupElement(f)), java, c);
        }
    }

    /** The C expression {@code expr} must equal {@code value} (keyed without spaces: one word per printed line). */
    private static void constant(String expr, long value, Map<String, Long> java, Map<String, String> c) {
        String key = expr.replace(" ", "");
        java.put(key, value);
        c.put(key, expr);
    }

    @Test
    void theProgramChecksTheArchitectureFirstAndEndsAllowing() {
        List<Seccomp.Insn> p = VmmSyscallFilter.program();
        assertEquals(Seccomp.Insn.load(Seccomp.SECCOMP_DATA_ARCH), p.get(0));
        assertEquals(Seccomp.Insn.jeq(Seccomp.AUDIT_ARCH_X86_64, 1, 0), p.get(1));
        assertEquals(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_KILL_PROCESS), p.get(2));
        assertEquals(Seccomp.Insn.ret(Seccomp.SECCOMP_RET_ALLOW), p.getLast());
        // Every jump lands inside the program.
        for (int i = 0; i < p.size(); i++) {
            Seccomp.Insn in = p.get(i);
            if ((in.code() & 0x07) == Seccomp.BPF_RET) {
                continue;
            }
            assertTrue(i + 1 + Math.max(in.jt(), in.jf()) < p.size(), "jump out of the program at " + i);
        }
        assertTrue(VmmSyscallFilter.describe(p.size()).contains("execve, execveat, fork, vfork, ptrace"));
    }

    @Test
    void encodesInstructionsAsTheKernelReadsThem() {
        try (var a = java.lang.foreign.Arena.ofConfined()) {
            var m = Seccomp.encode(List.of(Seccomp.Insn.jeq(0x3b, 2, 7)), a);
            assertEquals(8, m.byteSize());
            // BPF_JMP|BPF_JEQ|BPF_K = 0x15, jt 2, jf 7, k 59, little-endian
            assertEquals(List.of((byte) 0x15, (byte) 0, (byte) 2, (byte) 7, (byte) 0x3b, (byte) 0, (byte) 0, (byte) 0),
                    java.util.Arrays.asList(toBoxed(m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
        }
        assertThrows(IllegalArgumentException.class, () -> Seccomp.Insn.jeq(1, 256, 0));
        assertThrows(IllegalArgumentException.class, () -> Seccomp.installOnAllThreads(List.of()));
    }

    private static Byte[] toBoxed(byte[] b) {
        Byte[] r = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i];
        }
        return r;
    }
}
