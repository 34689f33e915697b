package io.jvmm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jvmm jail}, as root, dropping to nobody: what the jailed process sees (its root, its ids, its
 * network, its cgroup) through the hidden {@code jail-probe} command run where {@code run} would be, the
 * raw hello guest run in the jail, the one-line errors, and that nothing is left behind.
 */
@Tag("kvm")
@Timeout(120)
class JailTest {
    static final String NOBODY = "65534";
    private Path dir;
    private Path base;
    private Path hello;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")), "no usable /dev/kvm: KVM tests skipped");
        assumeRoot();
        dir = Files.createTempDirectory("jvmm-jail-test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        base = dir.resolve("jails");
        hello = Files.write(dir.resolve("hello.bin"), RunRawGuestTest.HELLO_REAL);
        Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rw-r--r--"));
    }

    static void assumeRoot() throws Exception {
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0), "needs root (jvmm jail makes namespaces and mounts)");
        for (String tool : List.of("/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv", "/usr/bin/mount", "/usr/bin/mknod")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool + ": apt-get install util-linux mount coreutils");
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir != null) {
            JailCommand.removeTree(dir);
        }
    }

    /** {@code jvmm jail --id ID --uid nobody --gid nogroup --chroot-base BASE EXTRA... -- COMMAND...}. */
    private List<String> jail(String id, List<String> extra, String... command) {
        List<String> args = new ArrayList<>(List.of("jail", "--id", id, "--uid", NOBODY, "--gid", NOBODY, "--chroot-base", base.toString()));
        args.addAll(extra);
        args.add("--");
        args.addAll(List.of(command));
        return JvmmProcess.command(args.toArray(String[]::new));
    }

    private static List<String> lines(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    @Test
    void theVmmSeesOnlyItsFilesTheJdkAndJvmmAndRunsAsNobodyWithoutCapabilities() throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        var r = JvmmProcess.run(60, null, jail("probe1", List.of(), "jail-probe", "--kernel", hello.toString(),
                "--disk", disk + ",ro"));
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stdout().contains("probe: done"), r.stdout());

        Set<String> allowed = new HashSet<>(Set.of("/dev", "/dev/kvm", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom",
                "/kernel", "/disk0", "/proc", "/run", "/tmp"));
        List<Path> jvmFiles = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
        String paths = System.getProperty("jdk.module.path", "") + java.io.File.pathSeparator + System.getProperty("java.class.path", "");
        for (String e : paths.split(java.io.File.pathSeparator)) {
            if (!e.isEmpty() && Files.exists(Path.of(e))) {
                jvmFiles.add(Path.of(e).toAbsolutePath().normalize());
            }
        }
        for (Path f : jvmFiles) {
            for (Path p = f; p != null && !p.toString().equals("/"); p = p.getParent()) {
                allowed.add(p.toString());
            }
        }
        List<String> root = lines(r.stdout(), "root ").stream().map(l -> l.replace(" (mount)", "")).toList();
        for (String p : root) {
            assertTrue(allowed.contains(p), "the jail shows " + p + ", which it was not given; root listing:\n" + String.join("\n", root));
        }
        for (String must : List.of("/kernel", "/disk0", "/dev/kvm", "/proc", System.getProperty("java.home"))) {
            assertTrue(root.contains(must), must + " missing from the jail's root:\n" + String.join("\n", root));
        }
        assertFalse(root.contains("/etc") || root.contains("/bin") || root.contains("/home"), String.join("\n", root));
        assertTrue(r.stdout().contains("root /kernel (mount)"), r.stdout());

        assertEquals(List.of("Uid: 65534 65534 65534 65534", "Gid: 65534 65534 65534 65534", "Groups:",
                "CapInh: 0000000000000000", "CapPrm: 0000000000000000", "CapEff: 0000000000000000", "CapAmb: 0000000000000000"),
                lines(r.stdout(), "status "));
        assertEquals(List.of("1"), lines(r.stdout(), "pid "), "the VMM is PID 1 of its own PID namespace");
        assertTrue(r.stderr().isEmpty(), r.stderr());
        assertFalse(Files.exists(base.resolve("probe1")), "the jail directory is removed at exit");
    }

    @Test
    void theVmmCannotReachTheHostNetworkNamespace() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String target = "127.0.0.1:" + server.getLocalPort();
            // Control: the same probe on the host reaches the port.
            var host = JvmmProcess.run(60, null, "jail-probe", "--connect", target);
            assertEquals(0, host.status(), host.stderr());
            assertEquals(List.of(target + " ok"), lines(host.stdout(), "connect "), host.stdout());

            var r = JvmmProcess.run(60, null, jail("net1", List.of(), "jail-probe", "--connect", target));
            assertEquals(0, r.status(), r.stderr());
            List<String> connect = lines(r.stdout(), "connect ");
            assertEquals(1, connect.size(), r.stdout());
            assertTrue(connect.get(0).startsWith(target + " failed"), r.stdout());
            assertEquals(List.of("lo"), lines(r.stdout(), "interfaces "), "a new network namespace has only its loopback");
            assertNotEquals(lines(host.stdout(), "interfaces "), lines(r.stdout(), "interfaces "));
        }
    }

    /**
     * With --netns the VMM is in that namespace: it sees its TAP (made there, owned by nobody) and, through
     * the jail's /dev/net/tun, attaches a virtio-net device to it.
     */
    @Test
    void withNetnsTheVmmJoinsThatNetworkNamespaceAndUsesItsTap() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ip")) || Files.isExecutable(Path.of("/usr/sbin/ip")), "needs ip: apt-get install iproute2");
        String ns = "jvmmjail" + ProcessHandle.current().pid();
        try {
            sh("ip netns add " + ns + " && ip -n " + ns + " tuntap add dev jvmmjtap0 mode tap user " + NOBODY);
            var r = JvmmProcess.run(60, null, jail("netns1", List.of("--netns", "/var/run/netns/" + ns), "jail-probe"));
            assertEquals(0, r.status(), r.stderr());
            assertEquals(List.of("jvmmjtap0,lo"), lines(r.stdout(), "interfaces "), r.stdout());

            // The raw guest halts, but a machine with a network device does not end on a halt (its I/O thread
            // runs on; the same outside the jail): --timeout ends it. An unusable TAP would fail before "hello".
            var run = JvmmProcess.run(60, null, jail("netns2", List.of("--netns", "/var/run/netns/" + ns), "run",
                    "--kernel-format", "raw", "--kernel", hello.toString(), "--net", "tap=jvmmjtap0", "--timeout", "2"));
            assertEquals("hello\n", run.stdout(), run.stderr());
            assertEquals("jvmm: guest still running after --timeout 2 s; stopped", run.stderr().strip());
        } finally {
            sh("ip netns del " + ns + " 2>/dev/null || true");
        }
    }

    @Test
    void theCgroupLimitsHoldWhileTheVmmRunsAndTheGroupIsRemovedAfter() throws Exception {
        boolean v2 = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                && Files.readString(Path.of("/sys/fs/cgroup/cgroup.controllers")).contains("memory");
        assumeTrue(v2 || Files.isRegularFile(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")), "no cgroup memory controller on this host");
        Process p = new ProcessBuilder(jail("cg1", List.of("--memory-limit", "300M", "--cpu-limit", "0.5"), "jail-probe", "--hold")).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        List<String> out = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null && !line.equals("probe: done"); ) {
            out.add(line);
        }
        List<Path> groups = new ArrayList<>();
        try {
            for (String line : out) {
                String[] f = line.split(":", 3);   // "cgroup ID:CONTROLLERS:PATH"
                if (!line.startsWith("cgroup ") || f.length < 3) {
                    continue;
                }
                if (v2 && f[0].equals("cgroup 0")) {
                    Path g = Path.of("/sys/fs/cgroup" + f[2]);
                    groups.add(g);
                    assertEquals("314572800", Files.readString(g.resolve("memory.max")).strip());
                    assertEquals("50000 100000", Files.readString(g.resolve("cpu.max")).strip());
                } else if (!v2 && f[1].equals("memory")) {
                    Path g = Path.of("/sys/fs/cgroup/memory" + f[2]);
                    groups.add(g);
                    assertEquals("314572800", Files.readString(g.resolve("memory.limit_in_bytes")).strip());
                } else if (!v2 && f[1].equals("cpu")) {
                    Path g = Path.of("/sys/fs/cgroup/cpu" + f[2]);
                    groups.add(g);
                    assertEquals("50000", Files.readString(g.resolve("cpu.cfs_quota_us")).strip());
                    assertEquals("100000", Files.readString(g.resolve("cpu.cfs_period_us")).strip());
                }
            }
            assertEquals(v2 ? 1 : 2, groups.size(), "the probe's cgroups: " + out);
            for (Path g : groups) {
                assertTrue(g.endsWith(Path.of("jvmm", "cg1")), g.toString());
            }
        } finally {
            p.getOutputStream().close();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, p.exitValue(), err.join());
        for (Path g : groups) {
            assertFalse(Files.exists(g), g + " is removed at exit");
        }
    }

    /**
     * SIGTERM to jvmm jail (a Ctrl-C, a service stop) ends the jailed VMM and still removes the jail; after
     * a SIGKILL, which leaves no time to clean up, the VMM still dies (parent-death signals down the chain).
     */
    @Test
    void aStoppedJailTakesTheVmmWithIt() throws Exception {
        for (boolean kill : new boolean[] {false, true}) {
            String id = kill ? "kill1" : "term1";
            Process p = new ProcessBuilder(jail(id, List.of(), "jail-probe", "--hold")).redirectErrorStream(true).start();
            BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null && !line.equals("probe: done")) {
                // the probe's report
            }
            assertEquals("probe: done", line);
            String jailRoot = base.resolve(id).resolve("root").toString();
            assertEquals(1, jailInits(jailRoot), "the jailed JVM runs");
            if (kill) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (jailInits(jailRoot) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, jailInits(jailRoot), "the jailed JVM is gone (" + (kill ? "SIGKILL" : "SIGTERM") + ")");
            if (!kill) {
                assertFalse(Files.exists(base.resolve(id)), "the jail directory is removed");
            }
        }
    }

    /** How many processes run jail-init for {@code root}. */
    private static long jailInits(String root) {
        return ProcessHandle.allProcesses().filter(h -> h.info().arguments()
                .map(a -> List.of(a).contains("jail-init") && List.of(a).contains(root)).orElse(false)).count();
    }

    @Test
    void theRawHelloGuestRunsInTheJailAsNobodyUnderTheFilter() throws Exception {
        var r = JvmmProcess.run(60, null, jail("hello1", List.of("-v"), "run", "--kernel-format", "raw", "--kernel", hello.toString()));
        assertEquals("hello\n", r.stdout(), r.stderr());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("threads run as uid 65534 gid 65534 with no supplementary groups and no capabilities"), r.stderr());
        assertTrue(r.stderr().contains("seccomp filter installed on all threads"), r.stderr());
        assertFalse(Files.exists(base.resolve("hello1")));
    }

    @Test
    @Timeout(300)
    void badInputIsOneLine() throws Exception {
        Files.createDirectories(base.resolve("taken"));
        Path emptyCgroupRoot = Files.createDirectories(dir.resolve("no-cgroups"));
        List<List<String>> cases = List.of(
                jail("taken", List.of(), "run", "--kernel", hello.toString()),
                jail("x1", List.of(), "run", "--kernel", dir.resolve("missing").toString()),
                jail("x2", List.of("--netns", "/var/run/netns/jvmm-no-such-ns"), "run", "--kernel", hello.toString()),
                jail("x3", List.of("--cgroup-root", emptyCgroupRoot.toString(), "--memory-limit", "64M"), "run", "--kernel", hello.toString()),
                jail("x4", List.of(), "serve"),
                jail("x5", List.of(), "run", "--config-file", hello.toString()),
                jail("../x6", List.of(), "run", "--kernel", hello.toString()),
                JvmmProcess.command("jail", "--id", "x7", "--uid", "nobody", "--gid", NOBODY, "--", "run"),
                JvmmProcess.command("jail", "--id", "x8", "--uid", "0", "--gid", "0", "--", "run"));
        List<String> expected = List.of("exists", "no such file", "no such file", "this host has neither", "not 'serve'",
                "not supported in the jail", "use 1 to 64 letters", "give a number", "leave the VMM root");
        for (int i = 0; i < cases.size(); i++) {
            var r = JvmmProcess.run(60, null, cases.get(i));
            String err = r.stderr().strip();
            assertNotEquals(0, r.status(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("jvmm: jail: ") && err.contains(expected.get(i)), "case " + i + ": " + err);
        }
        assertTrue(Files.isDirectory(base.resolve("taken")), "an existing jail directory is left alone");
        try (var s = Files.list(base)) {
            assertEquals(List.of(base.resolve("taken")), s.toList(), "no jail directory is left by a refused jail");
        }
    }

    private static void sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), command + ": " + out);
    }
}
