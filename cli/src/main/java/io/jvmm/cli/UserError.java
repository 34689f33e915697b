package io.jvmm.cli;

/** A problem with what the user asked for (options, files): reported as one line, exit status 2 by default. */
public final class UserError extends RuntimeException {
    private final int status;

    public UserError(String message) {
        this(message, ErrorHandler.EXIT_USAGE);
    }

    public UserError(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
