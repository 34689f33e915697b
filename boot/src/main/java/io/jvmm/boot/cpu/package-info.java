/**
 * The guest's CPU identity, without KVM: {@link io.jvmm.boot.cpu.CpuidTable} shapes each vCPU's CPUID
 * table from KVM_GET_SUPPORTED_CPUID (APIC IDs, topology, KVM leaves, cleared features), and
 * {@link io.jvmm.boot.cpu.CpuProfile} says what a host needs (nothing on hardware KVM; CPUID and
 * kernel command-line changes on a host where KVM emulates guest kernel code).
 */
package io.jvmm.boot.cpu;
