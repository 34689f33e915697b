package io.jvmm.machine;

import io.jvmm.core.sys.Confinement;
import io.jvmm.core.sys.SysCallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The last steps of a jail, run by the JVM that will be the VMM, inside the namespaces a launcher made
 * for it and before any machine exists: pivot into the jail's directory, forget the old root, drop to an
 * ordinary user, and check in /proc that every thread of the process did.
 */
public final class JailRoot {
    private JailRoot() {
    }

    /**
     * Pivots into {@code root} (a mount point in this process's private mount namespace, holding the
     * files the VMM was given and the JDK) and drops every thread to {@code uid}/{@code gid}, no groups,
     * no capabilities. Returns one line saying what was done; throws IllegalStateException naming the
     * step that failed.
     */
    public static String enter(Path root, int uid, int gid) {
        try {
            Confinement.chdir(root.toString());
            Confinement.pivotRootHere();
        } catch (SysCallException e) {
            throw new IllegalStateException("jail: cannot pivot into " + root + ": " + e.getMessage(), e);
        }
        try {
            Confinement.dropTo(uid, gid);
        } catch (SysCallException e) {
            throw new IllegalStateException("jail: cannot drop to uid " + Integer.toUnsignedString(uid) + " gid "
                    + Integer.toUnsignedString(gid) + ": " + e.getMessage(), e);
        }
        int threads = checkAllThreads(uid, gid);
        return "jail: root is " + root + " (pivot_root, old root detached); " + threads + " threads run as uid "
                + Integer.toUnsignedString(uid) + " gid " + Integer.toUnsignedString(gid)
                + " with no supplementary groups and no capabilities";
    }

    /**
     * Reads /proc/self/task/TID/status of every thread: real, effective, saved and filesystem ids must be
     * the new ones, no groups, and the permitted, effective, inheritable and ambient capability sets empty.
     * glibc's setxid broadcast reaches every thread it created; this proves it did.
     */
    static int checkAllThreads(int uid, int gid) {
        String u = Integer.toUnsignedString(uid);
        String g = Integer.toUnsignedString(gid);
        List<Path> tasks;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            tasks = s.toList();
        } catch (IOException e) {
            throw new IllegalStateException("jail: cannot list /proc/self/task to check the threads' ids: " + e.getMessage(), e);
        }
        int checked = 0;
        for (Path task : tasks) {
            List<String> status;
            try {
                status = Files.readAllLines(task.resolve("status"));
            } catch (IOException e) {
                continue;   // the thread ended since the listing
            }
            for (String line : status) {
                String[] f = line.split("\\s+");
                String bad = switch (f[0]) {
                    case "Uid:" -> allEqual(f, u) ? null : line;
                    case "Gid:" -> allEqual(f, g) ? null : line;
                    case "Groups:" -> f.length == 1 ? null : line;
                    case "CapInh:", "CapPrm:", "CapEff:", "CapAmb:" -> f.length == 2 && Long.parseUnsignedLong(f[1], 16) == 0 ? null : line;
                    default -> null;
                };
                if (bad != null) {
                    throw new IllegalStateException("jail: thread " + task.getFileName() + " kept privileges after the drop: " + bad.strip());
                }
            }
            checked++;
        }
        return checked;
    }

    private static boolean allEqual(String[] fields, String value) {
        for (int i = 1; i < fields.length; i++) {
            if (!fields[i].equals(value)) {
                return false;
            }
        }
        return fields.length == 5;
    }
}
