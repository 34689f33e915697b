package io.jvmm.core.vm;

import io.jvmm.core.lifecycle.MachineExit;

/** What a vCPU thread does after an exit was handled. */
public sealed interface VcpuAction {
    /** Enter the guest again. */
    VcpuAction CONTINUE = new Continue();

    /** Enter the guest again. */
    record Continue() implements VcpuAction {
    }

    /** This vCPU is done (HLT without an in-kernel irqchip); the machine ends when every vCPU is done. */
    record Halt() implements VcpuAction {
    }

    /** The whole machine stops with {@code exit}. */
    record Stop(MachineExit exit) implements VcpuAction {
    }
}
