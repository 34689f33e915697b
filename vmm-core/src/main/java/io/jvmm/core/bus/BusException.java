package io.jvmm.core.bus;

/** A bus range that cannot be inserted: zero length, overflowing, or overlapping another one. */
public final class BusException extends RuntimeException {
    public BusException(String message) {
        super(message);
    }
}
