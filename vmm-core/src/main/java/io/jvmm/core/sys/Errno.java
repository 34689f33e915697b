package io.jvmm.core.sys;

/** errno values jvmm reacts to by name, and the names and texts of all of them (from glibc). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int E2BIG = 7;
    public static final int ENXIO = 6;
    public static final int ENOSPC = 28;

    private Errno() {
    }

    /** Symbolic name, e.g. {@code EEXIST}; {@code errno N} when glibc does not know it. */
    public static String name(int errno) {
        String n = LibC.strerrorname(errno);
        return n != null ? n : "errno " + errno;
    }

    /** glibc's text for the errno, e.g. {@code File exists}. */
    public static String description(int errno) {
        String d = LibC.strerrordesc(errno);
        return d != null ? d : "unknown error";
    }
}
