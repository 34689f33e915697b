package io.jvmm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which files {@link JailCgroup} writes, on a directory that mimics /sys/fs/cgroup (the real hierarchies are
 * exercised as root by JailTest): v2 where the root lists the memory and cpu controllers, else v1, else a
 * one-line error.
 */
class JailCgroupTest {
    @TempDir
    Path root;

    @Test
    void cgroupV2GetsMemoryMaxAndCpuMaxUnderJvmmWithTheControllersEnabled() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu\n");
        Files.createDirectories(root.resolve("jvmm"));
        Files.writeString(root.resolve("jvmm/cgroup.subtree_control"), "\n");
        JailCgroup cg = JailCgroup.create(root, "vm1", 512L << 20, 1.5);
        Path g = root.resolve("jvmm/vm1");
        assertEquals("v2", cg.version());
        assertEquals(List.of(g), cg.dirs());
        assertEquals(List.of(g.resolve("cgroup.procs")), cg.procsFiles());
        assertEquals("536870912", Files.readString(g.resolve("memory.max")));
        assertEquals("150000 100000", Files.readString(g.resolve("cpu.max")));
        // A plain file keeps the last write: memory was the one missing at the root, both in jvmm/.
        assertEquals("+memory", Files.readString(root.resolve("cgroup.subtree_control")));
        assertEquals("+cpu", Files.readString(root.resolve("jvmm/cgroup.subtree_control")));
    }

    @Test
    void cgroupV1GetsTheMemoryAndCpuFilesUnderThisProcesssOwnGroups() throws Exception {
        Files.createDirectories(root.resolve("memory"));
        Files.createDirectories(root.resolve("cpu"));
        Files.writeString(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        Files.writeString(root.resolve("cpu/cpu.cfs_quota_us"), "-1\n");
        JailCgroup cg = JailCgroup.create(root, "vm2", 64L << 20, 0.25);
        assertEquals("v1", cg.version());
        assertEquals(2, cg.dirs().size());
        Path memory = cg.dirs().get(0);
        Path cpu = cg.dirs().get(1);
        assertTrue(memory.startsWith(root.resolve("memory")) && memory.endsWith(Path.of("jvmm", "vm2")), memory.toString());
        assertTrue(cpu.startsWith(root.resolve("cpu")) && cpu.endsWith(Path.of("jvmm", "vm2")), cpu.toString());
        assertEquals("67108864", Files.readString(memory.resolve("memory.limit_in_bytes")));
        assertEquals("25000", Files.readString(cpu.resolve("cpu.cfs_quota_us")));
        assertEquals("100000", Files.readString(cpu.resolve("cpu.cfs_period_us")));
    }

    @Test
    void anExistingGroupAndAHostWithoutControllersAreOneLineErrors() throws Exception {
        UserError none = assertThrows(UserError.class, () -> JailCgroup.create(root, "vm3", 1L << 20, null));
        assertTrue(none.getMessage().endsWith("this host has neither"), none.getMessage());

        Files.writeString(root.resolve("cgroup.controllers"), "cpu memory\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory\n");
        Files.createDirectories(root.resolve("jvmm/vm3"));
        Files.writeString(root.resolve("jvmm/cgroup.subtree_control"), "cpu memory\n");
        UserError exists = assertThrows(UserError.class, () -> JailCgroup.create(root, "vm3", 1L << 20, null));
        assertTrue(exists.getMessage().contains("jvmm/vm3 exists"), exists.getMessage());
        assertEquals(1, exists.getMessage().lines().count());
    }

    @Test
    void aQuotaIsTheShareOfTheHundredMillisecondPeriod() {
        assertEquals(100_000, JailCgroup.quota(1));
        assertEquals(250_000, JailCgroup.quota(2.5));
        assertEquals(1000, JailCgroup.quota(0.001), "the kernel's minimum quota is 1 ms");
    }
}
