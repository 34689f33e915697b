package io.jvmm.core.lifecycle;

/**
 * Where a machine is in its life. Legal transitions:
 * <pre>
 *   CREATED ──start──► RUNNING ──pause──► PAUSED
 *      │                 │  ▲──resume───────┘ │
 *      └──stop/close──►  └──stop, guest end, close ──► STOPPED ◄──stop/close──┘
 * </pre>
 * Any other request is refused with an error naming it ("cannot pause: the machine is not running").
 * {@code stop} is accepted in every state (a stopped machine ignores it), since devices, timeouts and
 * the user may all ask at once.
 */
public enum MachineState {
    CREATED("not started yet"),
    RUNNING("running"),
    PAUSED("paused"),
    STOPPED("stopped");

    private final String words;

    MachineState(String words) {
        this.words = words;
    }

    /** How an error message describes this state ("it is paused"). */
    public String words() {
        return words;
    }
}
