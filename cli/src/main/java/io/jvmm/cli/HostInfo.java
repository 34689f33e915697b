package io.jvmm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host read from /proc. */
final class HostInfo {
    private HostInfo() {
    }

    /** MemTotal from /proc/meminfo in bytes, or -1 if unreadable. */
    static long memTotalBytes() {
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
}
