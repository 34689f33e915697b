package io.jvmm.boot;

/**
 * A kernel, initrd or command line that cannot be booted, or a guest memory too small for it. The
 * message is one line that names the image kind and the problem, for example
 * {@code bzImage: setup header magic is 0x00000000 not HdrS (is this a bzImage?)}; the CLI prints it
 * as it is.
 */
public final class BootException extends RuntimeException {
    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
