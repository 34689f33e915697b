package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Classic BPF programs for seccomp (Documentation/userspace-api/seccomp_filter.rst) and their
 * installation on every thread of the process: {@code prctl(PR_SET_NO_NEW_PRIVS, 1)} (needed to install
 * a filter without CAP_SYS_ADMIN, and the promise that no later execve gains privileges), then
 * {@code seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)}. A filter cannot be removed;
 * threads created later inherit it.
 *
 * <pre>
 * struct sock_filter (&lt;linux/filter.h&gt;)   8 bytes      struct sock_fprog               16 bytes
 *   +0 __u16 code   BPF_LD|BPF_W|BPF_ABS ...            +0 unsigned short len   instructions
 *   +2 __u8  jt     instructions skipped if true        +8 struct sock_filter *filter
 *   +3 __u8  jf     instructions skipped if false
 *   +4 __u32 k      operand
 *
 * struct seccomp_data (&lt;linux/seccomp.h&gt;), what the program reads with BPF_ABS loads
 *   +0 int nr   +4 __u32 arch   +8 __u64 instruction_pointer   +16 __u64 args[6]
 * </pre>
 */
public final class Seccomp {
    // <linux/bpf_common.h>
    static final short BPF_LD = 0x00;
    static final short BPF_JMP = 0x05;
    static final short BPF_RET = 0x06;
    static final short BPF_W = 0x00;
    static final short BPF_ABS = 0x20;
    static final short BPF_JEQ = 0x10;
    static final short BPF_JGE = 0x30;
    static final short BPF_JSET = 0x40;
    static final short BPF_K = 0x00;

    // <linux/seccomp.h>
    static final int SECCOMP_SET_MODE_FILTER = 1;
    static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    public static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    public static final int SECCOMP_RET_ERRNO = 0x00050000;
    public static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    static final int SECCOMP_DATA_NR = 0;
    static final int SECCOMP_DATA_ARCH = 4;
    /** The low 32 bits of args[0] (little-endian). */
    static final int SECCOMP_DATA_ARG0_LO = 16;

    // <linux/audit.h>: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    // <asm/unistd.h>: x32 system calls share AUDIT_ARCH_X86_64 and are numbered from this bit
    public static final int X32_SYSCALL_BIT = 0x40000000;

    // <linux/prctl.h>; seccomp is system call 317 on x86-64 (<asm/unistd_64.h>)
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final long SYS_SECCOMP = LibC.SYS_seccomp;

    static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"),
            JAVA_BYTE.withName("jt"),
            JAVA_BYTE.withName("jf"),
            JAVA_INT.withName("k")).withName("sock_filter");
    static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            JAVA_SHORT.withName("len"),
            MemoryLayout.paddingLayout(6),
            ADDRESS.withName("filter")).withName("sock_fprog");
    /** BPF_MAXINSNS in &lt;linux/bpf_common.h&gt;. */
    static final int BPF_MAXINSNS = 4096;

    private Seccomp() {
    }

    /** One BPF instruction. {@code jt}/{@code jf} count instructions skipped forward (0..255). */
    public record Insn(short code, int jt, int jf, int k) {
        public Insn {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalArgumentException("BPF jump out of range: jt " + jt + ", jf " + jf);
            }
        }

        /** {@code A = seccomp_data[offset]} (32 bits). */
        public static Insn load(int offset) {
            return new Insn((short) (BPF_LD | BPF_W | BPF_ABS), 0, 0, offset);
        }

        public static Insn jeq(int k, int jt, int jf) {
            return new Insn((short) (BPF_JMP | BPF_JEQ | BPF_K), jt, jf, k);
        }

        /** Unsigned {@code A >= k}. */
        public static Insn jge(int k, int jt, int jf) {
            return new Insn((short) (BPF_JMP | BPF_JGE | BPF_K), jt, jf, k);
        }

        /** {@code (A & k) != 0}. */
        public static Insn jset(int k, int jt, int jf) {
            return new Insn((short) (BPF_JMP | BPF_JSET | BPF_K), jt, jf, k);
        }

        public static Insn ret(int action) {
            return new Insn((short) (BPF_RET | BPF_K), 0, 0, action);
        }
    }

    /** The filter action that fails the call with {@code errno}. */
    public static int retErrno(int errno) {
        return SECCOMP_RET_ERRNO | (errno & 0xffff);
    }

    /** The program as the kernel reads it: an array of struct sock_filter. */
    static MemorySegment encode(List<Insn> program, Arena arena) {
        MemorySegment m = arena.allocate(SOCK_FILTER, program.size());
        for (int i = 0; i < program.size(); i++) {
            Insn in = program.get(i);
            long base = i * SOCK_FILTER.byteSize();
            m.set(JAVA_SHORT, base, in.code());
            m.set(JAVA_BYTE, base + 2, (byte) in.jt());
            m.set(JAVA_BYTE, base + 3, (byte) in.jf());
            m.set(JAVA_INT, base + 4, in.k());
        }
        return m;
    }

    /**
     * Sets no_new_privs and installs {@code program} on every thread of the process (TSYNC). Throws
     * {@link SysCallException} naming the step that failed; with TSYNC a positive result is the id of a
     * thread that could not be synchronised (it has a diverging filter), reported as such.
     */
    public static void installOnAllThreads(List<Insn> program) {
        if (program.isEmpty() || program.size() > BPF_MAXINSNS) {
            throw new IllegalArgumentException("a seccomp program has 1 to " + BPF_MAXINSNS + " instructions, got " + program.size());
        }
        try (Arena a = Arena.ofConfined()) {
            long rc = LibC.syscall(LibC.SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
            if (rc != 0) {
                throw new SysCallException("prctl(PR_SET_NO_NEW_PRIVS)", LibC.errno());
            }
            MemorySegment prog = a.allocate(SOCK_FPROG);
            prog.set(JAVA_SHORT, 0, (short) program.size());
            prog.set(ADDRESS, 8, encode(program, a));
            long r = LibC.syscall(LibC.SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, LibC.address(prog));
            if (r < 0) {
                throw new SysCallException("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)", LibC.errno());
            }
            if (r > 0) {
                throw new IllegalStateException("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread " + r
                        + " has a filter of its own and could not be synchronised");
            }
        } catch (SysCallException | IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
