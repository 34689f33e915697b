package io.jvmm.machine;

import io.jvmm.core.sys.Sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host and this process that front ends and spec checks need. */
public final class HostInfo {
    private HostInfo() {
    }

    /** MemTotal from /proc/meminfo in bytes, or -1 if unreadable. */
    public static long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: unknown
        }
        return -1;
    }

    /** Whether this process's standard input is a terminal (isatty(0)): a console can then go raw. */
    public static boolean stdinIsTerminal() {
        return Sys.isatty(0);
    }
}
