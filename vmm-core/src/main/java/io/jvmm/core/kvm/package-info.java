/**
 * The KVM binding: {@link io.jvmm.core.kvm.Kvm} (/dev/kvm), {@link io.jvmm.core.kvm.VmFd} and
 * {@link io.jvmm.core.kvm.VcpuFd}, one method per ioctl, the kernel structs they pass, and
 * {@link io.jvmm.core.kvm.VcpuExit}, the typed decoding of {@code struct kvm_run}. Exported only to
 * the machine assembly.
 */
package io.jvmm.core.kvm;
