package io.jvmm.core.kvm;

import java.lang.foreign.MemorySegment;

/**
 * Why KVM_RUN returned, decoded from {@code struct kvm_run} by {@link KvmRun#decode}. Data views
 * ({@code data}) alias the vCPU's kvm_run page: valid until the next KVM_RUN on that vCPU, and for
 * reads the handler writes the guest's answer into them.
 */
public sealed interface VcpuExit {
    /** The exit kind's name as in {@code KVM_EXIT_*}, for statistics and traces. */
    String kind();

    /** {@code in} from a port: fill {@code data} ({@code size × count} bytes). */
    record IoIn(int port, int size, int count, MemorySegment data) implements VcpuExit {
        public String kind() {
            return "IO_IN";
        }
    }

    /** {@code out} to a port: {@code data} holds {@code size × count} bytes. */
    record IoOut(int port, int size, int count, MemorySegment data) implements VcpuExit {
        public String kind() {
            return "IO_OUT";
        }
    }

    /** A read of unmapped guest-physical memory: fill {@code data} ({@code len} bytes). */
    record MmioRead(long address, int len, MemorySegment data) implements VcpuExit {
        public String kind() {
            return "MMIO_READ";
        }
    }

    /** A write to unmapped guest-physical memory. */
    record MmioWrite(long address, int len, MemorySegment data) implements VcpuExit {
        public String kind() {
            return "MMIO_WRITE";
        }
    }

    /** HLT with no in-kernel irqchip to wait in. */
    record Hlt() implements VcpuExit {
        public String kind() {
            return "HLT";
        }
    }

    /** Triple fault (or another shutdown condition): the CPU cannot go on. */
    record Shutdown() implements VcpuExit {
        public String kind() {
            return "SHUTDOWN";
        }
    }

    /**
     * KVM could not handle something, e.g. suberror 1 (KVM_INTERNAL_ERROR_EMULATION) for an
     * instruction its emulator does not implement. {@code data} has {@code ndata} words.
     */
    record InternalError(int suberror, long[] data) implements VcpuExit {
        public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
        public static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
        public static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;

        public String kind() {
            return "INTERNAL_ERROR";
        }
    }

    /** VM entry failed: {@code reason} is the hardware's entry-failure reason. */
    record FailEntry(long reason, int cpu) implements VcpuExit {
        public String kind() {
            return "FAIL_ENTRY";
        }
    }

    /** The guest asked for shutdown, reset or reported a crash (PSCI-like events, KVM_SYSTEM_EVENT_*). */
    record SystemEvent(int type, long[] data) implements VcpuExit {
        public static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
        public static final int KVM_SYSTEM_EVENT_RESET = 2;
        public static final int KVM_SYSTEM_EVENT_CRASH = 3;

        public String kind() {
            return "SYSTEM_EVENT";
        }
    }

    /** KVM_RUN was interrupted by a signal (a kick) or returned because immediate_exit was set. */
    record Intr() implements VcpuExit {
        public String kind() {
            return "INTR";
        }
    }

    /** An exit reason jvmm does not handle. */
    record Unknown(int reason) implements VcpuExit {
        public String kind() {
            return "UNKNOWN";
        }
    }
}
