package io.jvmm.machine;

import io.jvmm.core.sys.SysCallException;
import io.jvmm.core.sys.Termios;

/**
 * A terminal switched to raw mode (cfmakeraw: keys pass as typed, no echo, no signals, no output
 * processing) and the settings to put back. In-process (tcgetattr/tcsetattr), no stty child.
 */
public final class RawTerminal {
    private final int fd;
    private final Termios saved;

    private RawTerminal(int fd, Termios saved) {
        this.fd = fd;
        this.saved = saved;
    }

    /** Switches terminal {@code fd} to raw mode; throws IllegalStateException saying why when it cannot. */
    public static RawTerminal enter(int fd) {
        try {
            Termios saved = Termios.get(fd);
            saved.raw().set(fd);
            return new RawTerminal(fd, saved);
        } catch (SysCallException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Puts back the settings {@link #enter} found; throws IllegalStateException saying why when it cannot. */
    public void restore() {
        try {
            saved.set(fd);
        } catch (SysCallException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
