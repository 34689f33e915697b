package io.jvmm.testsupport;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The suite-wide leak check, loaded into every module's test JVM through
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}: it notes the process's
 * threads, file descriptors and mappings when the test session opens and fails the run when, after the
 * last test, any of these remain:
 * <ul>
 *   <li>a machine thread: {@code vcpu-N}, {@code vmm-io}, {@code guest-profiler};</li>
 *   <li>a file descriptor that was not open before (apart from what the JDK opens for itself and keeps:
 *       jars and modules it loads classes from, /dev/random and /dev/urandom);</li>
 *   <li>more guest RAM mappings ({@code /dev/zero}, {@code /memfd:jvmm-guest-ram} or a snapshot's {@code memory.bin} in /proc/self/maps) or
 *       kvm_run pages ({@code anon_inode:kvm-vcpu}) than before.</li>
 * </ul>
 * A failure throws from {@link #launcherSessionClosed}, which surefire reports as a failed test run
 * with this class's message. {@code -Djvmm.leakcheck=off} turns it off (to debug a leak in isolation).
 */
public final class LeakCheck implements LauncherSessionListener {
    /** How long the check waits for machine threads that are still ending (a close in progress elsewhere). */
    private static final long THREAD_GRACE_MS = 5_000;
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final Path MAPS = Path.of("/proc/self/maps");

    private Map<Integer, String> fdsBefore;
    private long mappingsBefore;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (off() || !Files.isDirectory(FDS)) {
            return;
        }
        jdkNioSocket();
        fdsBefore = openFds();
        mappingsBefore = machineMappings();
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (fdsBefore == null) {
            return;
        }
        List<String> leaks = new ArrayList<>();
        List<Thread> threads = awaitMachineThreads();
        threads.forEach(t -> leaks.add("thread " + t.getName() + " is still alive"));
        if (threads.isEmpty()) { // a live thread may still hold fds and mappings legitimately leaked for it
            openFds().forEach((fd, target) -> {
                if (!target.equals(fdsBefore.get(fd)) && !jdkOwn(target) && !target.startsWith("/proc/")) { // /proc: this listing
                    leaks.add("fd " + fd + " -> " + target + " was opened by the tests and is still open");
                }
            });
        }
        long mappings = machineMappings();
        if (mappings > mappingsBefore) {
            leaks.add((mappings - mappingsBefore) + " guest RAM or kvm_run mapping(s) are still mapped");
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("jvmm leak check: the tests left behind:\n  " + String.join("\n  ", leaks));
        }
    }

    /**
     * The JDK's NIO keeps one socket of its own for good once a socket channel is first made (its "pre-close"
     * descriptor, which it dup2()s over an fd being closed under a blocked thread): make it now, so it is
     * counted as there before the tests.
     */
    private static void jdkNioSocket() {
        try {
            java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX).close();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            // no Unix sockets here: no channel test can make that descriptor either
        }
    }

    private static boolean off() {
        return "off".equals(System.getProperty("jvmm.leakcheck"));
    }

    /** Machine threads still alive once those that are ending had {@link #THREAD_GRACE_MS} to do so. */
    private static List<Thread> awaitMachineThreads() {
        long deadline = System.nanoTime() + THREAD_GRACE_MS * 1_000_000;
        List<Thread> alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream().filter(t -> isMachineThread(t.getName()) && t.isAlive()).toList();
            if (alive.isEmpty()) {
                return alive;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return alive;
            }
        } while (System.nanoTime() < deadline);
        return alive;
    }

    static boolean isMachineThread(String name) {
        return name.startsWith("vcpu-") || name.equals("vmm-io") || name.equals("guest-profiler");
    }

    /** Files the JDK opens for itself and keeps open on purpose (class loading, SecureRandom). */
    static boolean jdkOwn(String target) {
        return target.endsWith(".jar") || target.endsWith(".jmod") || target.endsWith("/lib/modules")
                || target.equals("/dev/random") || target.equals("/dev/urandom");
    }

    private static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(FDS)) {
            for (Path p : s.toList()) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed while listing: the directory stream's own fd, or another thread's short-lived one
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    private static long machineMappings() {
        try {
            return Files.readAllLines(MAPS).stream()
                    .filter(l -> (l.contains("/dev/zero") || l.contains("/memfd:jvmm-guest-ram") || l.contains("/memory.bin")) || l.contains("kvm-vcpu")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
