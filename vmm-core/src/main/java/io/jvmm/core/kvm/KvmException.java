package io.jvmm.core.kvm;

/** A KVM problem described for the user: what failed and, where predictable, how to fix it. */
public final class KvmException extends RuntimeException {
    public KvmException(String message) {
        super(message);
    }

    public KvmException(String message, Throwable cause) {
        super(message, cause);
    }
}
