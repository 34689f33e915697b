package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the figures were measured on: CPU, kernel, KVM kind, JDK, memory, tools. */
final class HostDescription {
    private HostDescription() {
    }

    /**
     * KVM kind: "emulating" on a nested PVM-based KVM (/sys/module/kvm_pvm present: guest ring-0 code
     * runs in KVM's instruction emulator, ~1000x slower), "hardware" with kvm_intel or kvm_amd, else "none".
     */
    static String kvmKind(Path root) {
        if (Files.isDirectory(root.resolve("sys/module/kvm_pvm"))) {
            return "emulating";
        }
        if (Files.isDirectory(root.resolve("sys/module/kvm_intel")) || Files.isDirectory(root.resolve("sys/module/kvm_amd"))) {
            return "hardware";
        }
        return Files.exists(root.resolve("dev/kvm")) ? "unknown" : "none";
    }

    static Map<String, Object> describe() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("cpuModel", cpuModel());
        h.put("cpus", Runtime.getRuntime().availableProcessors());
        h.put("memTotalKiB", memTotalKiB());
        h.put("kernel", read("/proc/sys/kernel/osrelease") + " " + read("/proc/sys/kernel/version"));
        h.put("os", prettyName());
        h.put("kvm", kvmKind(Path.of("/")));
        h.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        h.put("loadAverage", read("/proc/loadavg"));
        Map<String, Object> tools = new LinkedHashMap<>();
        for (String t : new String[] {"crun", "runc", "qemu-system-x86_64"}) {
            tools.put(t, Tools.version(t));
        }
        h.put("tools", tools);
        return h;
    }

    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return "unknown";
    }

    static long memTotalKiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return ProcFs.kib(l);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    private static String prettyName() {
        try {
            for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (l.startsWith("PRETTY_NAME=")) {
                    return l.substring(12).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return "unknown";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
