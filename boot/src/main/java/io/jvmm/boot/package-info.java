/**
 * The Linux x86 boot protocol, without KVM. {@link io.jvmm.boot.LinuxLoader#load} takes guest memory
 * and a {@link io.jvmm.boot.BootConfig} (kernel, initrd, command line, vCPU count), writes everything
 * the kernel needs into guest memory (see {@link io.jvmm.boot.BootLayout} for where) and returns a
 * {@link io.jvmm.boot.BootResult} whose {@link io.jvmm.boot.CpuState} the assembly turns into
 * KVM_SET_REGS / KVM_SET_SREGS for vCPU 0. Every bad input is one {@link io.jvmm.boot.BootException}.
 *
 * <p>Sources of the facts: Documentation/arch/x86/boot.rst and zero-page.rst, arch/x86/include/uapi/
 * asm/bootparam.h, xen/include/public/arch-x86/hvm/start_info.h, arch/x86/platform/pvh/head.S, the
 * Intel MultiProcessor Specification 1.4; layout choices as in Firecracker and kvmtool.
 */
package io.jvmm.boot;
