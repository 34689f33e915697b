package io.jvmm.machine.snapshot;

import java.io.Serial;

/**
 * A snapshot that cannot be taken or restored: one line naming the file, record and field ("state.json:
 * vcpu 0: sregs.cs.type: 0x1ff does not fit in 8 bits"). A restore that throws this has built nothing.
 */
public final class SnapshotException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
