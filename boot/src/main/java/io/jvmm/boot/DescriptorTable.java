package io.jvmm.boot;

/** A GDTR or IDTR as KVM takes it ({@code struct kvm_dtable}: base, limit = size in bytes - 1). */
public record DescriptorTable(long base, int limit) {
}
