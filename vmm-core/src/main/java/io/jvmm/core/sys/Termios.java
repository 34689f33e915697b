package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A terminal's settings (termios(3)): read with tcgetattr, switched to raw with cfmakeraw, written back
 * with tcsetattr. In-process, so that restoring the terminal at exit needs no {@code stty} child (a
 * running VMM's seccomp filter refuses execve).
 *
 * <pre>
 * struct termios (glibc, x86-64, &lt;bits/termios-struct.h&gt;)   60 bytes
 *   +0  tcflag_t c_iflag    +4 c_oflag    +8 c_cflag    +12 c_lflag
 *   +16 cc_t c_line
 *   +17 cc_t c_cc[NCCS = 32]
 *   +52 speed_t c_ispeed    +56 speed_t c_ospeed
 * </pre>
 */
public final class Termios {
    static final int NCCS = 32;
    // tcsetattr actions, <bits/termios.h>: TCSANOW 0, TCSADRAIN 1, TCSAFLUSH 2
    static final int TCSADRAIN = 1;

    static final StructLayout TERMIOS = MemoryLayout.structLayout(
            JAVA_INT.withName("c_iflag"),
            JAVA_INT.withName("c_oflag"),
            JAVA_INT.withName("c_cflag"),
            JAVA_INT.withName("c_lflag"),
            JAVA_BYTE.withName("c_line"),
            MemoryLayout.sequenceLayout(NCCS, JAVA_BYTE).withName("c_cc"),
            MemoryLayout.paddingLayout(3),
            JAVA_INT.withName("c_ispeed"),
            JAVA_INT.withName("c_ospeed")).withName("termios");

    private final byte[] bytes;

    private Termios(byte[] bytes) {
        this.bytes = bytes;
    }

    /** tcgetattr(fd): the terminal's current settings. */
    public static Termios get(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS);
            int rc = (int) LibC.TCGETATTR.get().invokeExact(LibC.capture(), fd, t);
            if (rc != 0) {
                throw new SysCallException("tcgetattr(" + fd + ")", LibC.errno());
            }
            return new Termios(t.toArray(JAVA_BYTE));
        } catch (SysCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** These settings made raw by cfmakeraw(3): no echo, no line editing, no signals, no output processing. */
    public Termios raw() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS);
            MemorySegment.copy(bytes, 0, t, JAVA_BYTE, 0, bytes.length);
            LibC.CFMAKERAW.get().invokeExact(t);
            return new Termios(t.toArray(JAVA_BYTE));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** tcsetattr(fd, TCSADRAIN): applies these settings once pending output is written (as stty does). */
    public void set(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS);
            MemorySegment.copy(bytes, 0, t, JAVA_BYTE, 0, bytes.length);
            int rc = (int) LibC.TCSETATTR.get().invokeExact(LibC.capture(), fd, TCSADRAIN, t);
            if (rc != 0) {
                throw new SysCallException("tcsetattr(" + fd + ")", LibC.errno());
            }
        } catch (SysCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** c_lflag, for tests (ECHO 0x8, ICANON 0x2). */
    public int lflag() {
        return java.nio.ByteBuffer.wrap(bytes, 12, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
