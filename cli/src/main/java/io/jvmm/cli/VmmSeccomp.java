package io.jvmm.cli;

import io.jvmm.machine.SyscallFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Installs the VMM's seccomp filter for {@code jvmm run} and {@code jvmm serve}, once per process, once
 * the machine is built and before its vCPUs start; {@code --no-seccomp} leaves it out (as Firecracker's).
 */
public final class VmmSeccomp {
    private static final Logger LOG = LoggerFactory.getLogger(VmmSeccomp.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private VmmSeccomp() {
    }

    /** Installs the filter unless {@code noSeccomp}; throws IllegalStateException saying why it could not. */
    public static void install(boolean noSeccomp) {
        if (noSeccomp) {
            LOG.info("no seccomp filter (--no-seccomp): every system call is allowed");
            return;
        }
        if (INSTALLED.compareAndSet(false, true)) {
            LOG.info(SyscallFilter.installVmmFilter());
        }
    }
}
