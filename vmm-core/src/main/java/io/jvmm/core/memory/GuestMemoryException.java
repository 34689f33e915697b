package io.jvmm.core.memory;

/**
 * An access to guest memory that falls outside every region. Addresses in guest memory usually come
 * from the guest, so callers that handle guest requests catch this and apply the device's defined
 * error behaviour; it never means host memory was touched.
 */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }

    public GuestMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
