package io.jvmm.core.vm;

/**
 * What the exit dispatcher may ask of the vCPU whose exit it handles (for diagnostics). Implemented by
 * the vCPU thread over KVM; tests pass a fake.
 */
public interface VcpuView {
    int id();

    /** The guest's current RIP (a linear address). */
    long rip();

    /** Guest-physical address for linear {@code address} under the vCPU's paging, or -1. */
    long translate(long address);
}
