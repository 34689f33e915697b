package io.jvmm.core.lifecycle;

/**
 * How a machine ended: the process exit status jvmm should return and a one-line reason.
 * {@code cause} is kept for {@code -vv} (stack traces only there).
 */
public record MachineExit(int status, String reason, Throwable cause) {

    public static MachineExit ok(String reason) {
        return new MachineExit(0, reason, null);
    }

    public static MachineExit failure(String reason) {
        return new MachineExit(1, reason, null);
    }

    public static MachineExit failure(String reason, Throwable cause) {
        return new MachineExit(1, reason, cause);
    }

    public boolean success() {
        return status == 0;
    }
}
