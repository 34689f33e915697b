package io.jvmm.core.sys;

/**
 * A failed system call: names the call (with its ioctl name where there is one) and the errno, for
 * example {@code ioctl(KVM_CREATE_VCPU) failed: EEXIST (File exists)}. The one exception type of the
 * native gate.
 */
public final class SysCallException extends RuntimeException {
    private final String call;
    private final int errno;

    public SysCallException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + Errno.description(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call, e.g. {@code ioctl(KVM_RUN)} or {@code open(/dev/kvm)}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
