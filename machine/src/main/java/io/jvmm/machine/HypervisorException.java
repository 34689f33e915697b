package io.jvmm.machine;

/**
 * The hypervisor device cannot be used: it is missing, not accessible, or not KVM. The message names the
 * device and, where the cause is predictable, the fix ("/dev/kvm: permission denied — run as root or add
 * your user to the kvm group").
 */
public final class HypervisorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
