package io.jvmm.machine;

import io.jvmm.core.sys.SysCallException;
import io.jvmm.core.sys.VmmSyscallFilter;

/**
 * The running VMM's seccomp filter, for front ends: install it once the machine is built (its disks,
 * TAPs and API socket open) and before its vCPUs start. It applies to every thread of the process,
 * and to threads started later, until the process ends; see {@code VmmSyscallFilter} for what it refuses.
 */
public final class SyscallFilter {
    private SyscallFilter() {
    }

    /** Installs the filter on all threads; returns one line saying what was installed. */
    public static String installVmmFilter() {
        try {
            return VmmSyscallFilter.install();
        } catch (SysCallException e) {
            throw new IllegalStateException("cannot install the seccomp filter: " + e.getMessage()
                    + " (a kernel without CONFIG_SECCOMP_FILTER? --no-seccomp runs without it)", e);
        }
    }
}
