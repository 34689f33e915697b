package io.jvmm.cli.bench;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.machine.MachineSpec;

import java.nio.file.Path;
import java.util.List;

/** One system the benchmark starts and times: a VMM, a container runtime or a reference. */
interface BenchSystem {
    /** Short id, as on the command line ({@code --systems}). */
    String id();

    /** What a reader sees in the table and the chart. */
    String title();

    /** Why this system cannot run here (not installed, no image ...), or null when it can. */
    default String unavailable() {
        return null;
    }

    /** How it was run and measured, for the report (one or two sentences). */
    String method();

    /** True when a run boots a Linux kernel (slow on emulating hosts: see {@code --kernel-runs}). */
    boolean bootsKernel();

    /** One run; a failed run still returns a sample, with a non-zero status. */
    Sample run(int index, boolean warmup, Progress progress) throws Exception;

    /** Releases what the system keeps between runs. */
    default void close() {
    }

    /**
     * What every system runs, so that all do the same work.
     *
     * @param kernel      guest kernel (ELF vmlinux)
     * @param initrd      initramfs with jvmm's /init
     * @param bundle      OCI bundle whose /init is the same script
     * @param command     the command /init runs (JVMM_CMD)
     * @param memoryBytes guest RAM for every VM
     * @param profile     the host CPU profile jvmm applies (its kernel command line words are used by QEMU too)
     * @param javaCommand java with jvmm's JVM options, module path and main class: append "run ..." for a cold jvmm
     * @param workDir     scratch directory (timings files, bundle copies, the hello guest)
     * @param timeoutSeconds a run that takes longer is killed and recorded as failed
     */
    record Setup(Path kernel, Path initrd, Path bundle, String command, long memoryBytes, CpuProfile profile,
                 List<String> javaCommand, Path workDir, long timeoutSeconds) {
        /** jvmm's default kernel command line. */
        static final String DEFAULT_CMDLINE = MachineSpec.DEFAULT_CMDLINE;

        /** The kernel command line every VM gets: jvmm's default, the host profile's words, the command. */
        String cmdline() {
            String extra = profile.cmdlineAdditions();
            return DEFAULT_CMDLINE + (extra.isEmpty() ? "" : " " + extra) + " " + appendArg();
        }

        /** The {@code --append} text: the command for /init. */
        String appendArg() {
            return "jvmm.cmd=\"" + command + "\"";
        }
    }
}
