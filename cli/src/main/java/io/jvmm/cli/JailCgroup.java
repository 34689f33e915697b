package io.jvmm.cli;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jail's control group: a memory and a CPU limit for the VMM and everything it starts. cgroup v2
 * where {@code /sys/fs/cgroup} is the unified hierarchy with the memory and cpu controllers; otherwise
 * (a "hybrid" host, such as this project's, whose memory and cpu controllers sit in v1 hierarchies) the
 * v1 memory and cpu hierarchies.
 *
 * <pre>
 * v2: /sys/fs/cgroup/jvmm/ID                      memory.max, cpu.max ("QUOTA PERIOD")
 *     (as Firecracker's jailer: a subtree of the root, since a v2 group with processes of its own
 *      cannot hand controllers to children)
 * v1: /sys/fs/cgroup/memory/OWN/jvmm/ID           memory.limit_in_bytes
 *     /sys/fs/cgroup/cpu/OWN/jvmm/ID              cpu.cfs_period_us, cpu.cfs_quota_us
 *     (OWN: the group this process is in, from /proc/self/cgroup, so that a limit set on it still holds)
 * </pre>
 *
 * The launcher writes its own pid into each {@link #procsFiles() cgroup.procs} before it makes the
 * namespaces, so the VMM is in the group from its first instruction; {@link #remove()} deletes the groups
 * once it has ended.
 */
public final class JailCgroup {
    static final long CPU_PERIOD_US = 100_000;

    private final String version;
    private final List<Path> dirs;

    private JailCgroup(String version, List<Path> dirs) {
        this.version = version;
        this.dirs = dirs;
    }

    /** Creates the group {@code id} under {@code cgroupRoot} (normally /sys/fs/cgroup) with the limits asked for. */
    public static JailCgroup create(Path cgroupRoot, String id, Long memoryBytes, Double cpus) {
        Path controllers = cgroupRoot.resolve("cgroup.controllers");
        if (Files.isRegularFile(controllers) && hasControllers(controllers)) {
            return createV2(cgroupRoot, id, memoryBytes, cpus);
        }
        if (Files.isRegularFile(cgroupRoot.resolve("memory/memory.limit_in_bytes"))
                && Files.isRegularFile(cgroupRoot.resolve("cpu/cpu.cfs_quota_us"))) {
            return createV1(cgroupRoot, id, memoryBytes, cpus);
        }
        throw new UserError("jail: --memory-limit and --cpu-limit need cgroup v2 at " + cgroupRoot
                + " with the memory and cpu controllers, or the cgroup v1 memory and cpu hierarchies under it; this host has neither");
    }

    private static boolean hasControllers(Path controllers) {
        try {
            List<String> c = List.of(Files.readString(controllers).strip().split("\\s+"));
            return c.contains("memory") && c.contains("cpu");
        } catch (IOException e) {
            return false;
        }
    }

    private static JailCgroup createV2(Path root, String id, Long memoryBytes, Double cpus) {
        Path parent = root.resolve("jvmm");
        try {
            enableControllers(root);
            Files.createDirectories(parent);
            enableControllers(parent);
        } catch (IOException e) {
            throw new UserError("jail: cannot prepare the cgroup v2 group " + parent + ": " + e.getMessage(), 1);
        }
        Path dir = makeGroup(parent, id);
        JailCgroup cg = new JailCgroup("v2", List.of(dir));
        try {
            if (memoryBytes != null) {
                Files.writeString(dir.resolve("memory.max"), Long.toString(memoryBytes));
            }
            if (cpus != null) {
                Files.writeString(dir.resolve("cpu.max"), quota(cpus) + " " + CPU_PERIOD_US);
            }
        } catch (IOException e) {
            cg.remove();
            throw new UserError("jail: cannot set the limits of " + dir + ": " + e.getMessage(), 1);
        }
        return cg;
    }

    /** Adds +memory +cpu to a v2 group's cgroup.subtree_control where they are not there yet. */
    private static void enableControllers(Path group) throws IOException {
        Path control = group.resolve("cgroup.subtree_control");
        List<String> on = List.of(Files.readString(control).strip().split("\\s+"));
        for (String c : List.of("memory", "cpu")) {
            if (!on.contains(c)) {
                Files.writeString(control, "+" + c);
            }
        }
    }

    private static JailCgroup createV1(Path root, String id, Long memoryBytes, Double cpus) {
        Path memory = makeGroup(mkdirs(ownGroup(root, "memory").resolve("jvmm")), id);
        Path cpu;
        try {
            cpu = makeGroup(mkdirs(ownGroup(root, "cpu").resolve("jvmm")), id);
        } catch (UserError e) {
            deleteGroup(memory);
            throw e;
        }
        JailCgroup cg = new JailCgroup("v1", List.of(memory, cpu));
        try {
            if (memoryBytes != null) {
                Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
            }
            if (cpus != null) {
                Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
                Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota(cpus)));
            }
        } catch (IOException e) {
            cg.remove();
            throw new UserError("jail: cannot set the limits of " + memory + " / " + cpu + ": " + e.getMessage(), 1);
        }
        return cg;
    }

    /** The directory of this process's group in the v1 hierarchy of {@code controller} (/proc/self/cgroup). */
    private static Path ownGroup(Path root, String controller) {
        Path hierarchy = root.resolve(controller);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && List.of(f[1].split(",")).contains(controller)) {
                    return hierarchy.resolve(f[2].substring(1));
                }
            }
        } catch (IOException e) {
            throw new UserError("jail: cannot read /proc/self/cgroup: " + e.getMessage(), 1);
        }
        return hierarchy;
    }

    private static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("jail: cannot create the cgroup " + dir + ": " + e.getMessage(), 1);
        }
    }

    private static Path makeGroup(Path parent, String id) {
        Path dir = parent.resolve(id);
        try {
            return Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UserError("jail: the cgroup " + dir + " exists (a jail of this id runs, or one was left: rmdir it)", 1);
        } catch (IOException e) {
            throw new UserError("jail: cannot create the cgroup " + dir + ": " + e.getMessage(), 1);
        }
    }

    static long quota(double cpus) {
        return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
    }

    /** "v1" or "v2". */
    public String version() {
        return version;
    }

    /** The group directories (one for v2; memory and cpu for v1). */
    public List<Path> dirs() {
        return dirs;
    }

    /** The cgroup.procs files the launcher writes its pid into. */
    public List<Path> procsFiles() {
        List<Path> files = new ArrayList<>();
        for (Path d : dirs) {
            files.add(d.resolve("cgroup.procs"));
        }
        return files;
    }

    /** Removes the groups (rmdir: the kernel refuses while a process is still in one; retried for a second). */
    public void remove() {
        for (Path d : dirs) {
            deleteGroup(d);
        }
    }

    private static void deleteGroup(Path d) {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                if (attempt >= 20) {
                    System.err.println("jvmm: jail: cannot remove the cgroup " + d + ": " + e.getMessage());
                    return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
