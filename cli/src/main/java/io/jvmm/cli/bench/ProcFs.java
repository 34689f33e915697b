package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Memory and CPU readings of a process from /proc (proc(5)).
 *
 * <p>A VMM's resident set holds the guest's RAM as well as its own code and data. The guest RAM is one
 * mapping (jvmm: {@code MAP_SHARED | MAP_ANONYMOUS}, which smaps names {@code /dev/zero (deleted)};
 * QEMU: an anonymous private mapping of the RAM size), so
 * <pre>
 *   VMM RSS excluding guest = Rss(/proc/PID/smaps_rollup) - Rss(guest RAM mapping(s) in /proc/PID/smaps)
 *   guest memory touched    = Rss(guest RAM mapping(s))
 * </pre>
 * Pages of a shared mapping count in Rss of every process that maps them; jvmm maps guest RAM once.
 */
public final class ProcFs {
    /** USER_HZ: the unit of the CPU times in /proc/PID/stat; 100 on every Linux architecture jvmm runs on. */
    static final long CLK_TCK = 100;

    private ProcFs() {
    }

    /**
     * One line range of /proc/PID/smaps with its resident size and the part of it that is anonymous memory
     * (smaps "Anonymous"; for a MAP_PRIVATE file mapping exactly the pages copied on write, while the rest of
     * its Rss is page cache that every mapping of the file shares. Not "Private_Dirty": "private" there means
     * mapped once in the whole system, and a freshly written file's page cache is dirty too).
     */
    public record Mapping(long start, long end, String name, long rssKiB, long anonymousKiB) {
        public long size() {
            return end - start;
        }
    }

    /**
     * A memory reading: the whole resident set, the part that is guest RAM, and of that the anonymous pages
     * (for a restored guest: the pages it wrote, copied from the shared memory file), in KiB.
     */
    public record MemoryReading(long totalRssKiB, long guestRssKiB, long guestWrittenKiB) {
        public MemoryReading(long totalRssKiB, long guestRssKiB) {
            this(totalRssKiB, guestRssKiB, guestRssKiB);
        }

        /** What the VMM itself uses: everything resident except guest RAM. */
        public long vmmRssKiB() {
            return Math.max(0, totalRssKiB - guestRssKiB);
        }
    }

    /**
     * Parses smaps text: a header line {@code start-end perms offset dev inode [name]} per mapping,
     * followed by {@code Key: value kB} lines, of which only {@code Rss} is used.
     */
    public static List<Mapping> parseSmaps(List<String> lines) {
        List<Mapping> out = new ArrayList<>();
        long start = -1;
        long end = -1;
        String name = "";
        long rss = 0;
        long anon = 0;
        for (String line : lines) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                if (start >= 0) {
                    out.add(new Mapping(start, end, name, rss, anon));
                }
                start = Long.parseUnsignedLong(line, 0, dash, 16);
                end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                name = field(line, 5);
                rss = 0;
                anon = 0;
            } else if (line.startsWith("Rss:")) {
                rss = kib(line);
            } else if (line.startsWith("Anonymous:")) {
                anon = kib(line);
            }
        }
        if (start >= 0) {
            out.add(new Mapping(start, end, name, rss, anon));
        }
        return out;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return to > from;
    }

    /** The number in a {@code Key:   1234 kB} line. */
    static long kib(String line) {
        String n = field(line, 1);
        int end = n.indexOf(' ');
        return n.isEmpty() ? 0 : Long.parseLong(end < 0 ? n : n.substring(0, end));
    }

    /**
     * Field {@code index} (0-based, fields separated by runs of spaces or tabs) and everything after it, or
     * "" when the line has fewer fields. Written out rather than with {@code split("\\s+")}: the child
     * jvmm parses its own smaps when its guest stops, cold, and a regular expression per line made that
     * reading cost tens of milliseconds of the measured exit.
     */
    static String field(String line, int index) {
        int i = 0;
        int n = line.length();
        for (int f = 0; ; f++) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                return "";
            }
            if (f == index) {
                int end = n;
                while (end > i && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
                    end--;
                }
                return line.substring(i, end);
            }
            while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
                i++;
            }
        }
    }

    /** Total Rss from smaps_rollup text (the sum over all mappings, as the kernel computes it). */
    public static long parseRollupRss(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("Rss:")) {
                return kib(line);
            }
        }
        throw new IllegalArgumentException("smaps_rollup has no Rss line");
    }

    /**
     * Reads the memory of process {@code pid}; {@code isGuest} picks the guest RAM mappings.
     *
     * @throws IOException when the process is gone or /proc is not readable
     */
    public static MemoryReading measure(long pid, Predicate<Mapping> isGuest) throws IOException {
        Path dir = Path.of("/proc", Long.toString(pid));
        long total = parseRollupRss(Files.readAllLines(dir.resolve("smaps_rollup")));
        List<Mapping> guest = parseSmaps(Files.readAllLines(dir.resolve("smaps"))).stream().filter(isGuest).toList();
        return new MemoryReading(total, guest.stream().mapToLong(Mapping::rssKiB).sum(),
                guest.stream().mapToLong(Mapping::anonymousKiB).sum());
    }

    /** Guest RAM known by address: any mapping that overlaps one of the ranges {start, end}. */
    public static Predicate<Mapping> overlapping(List<long[]> ranges) {
        return m -> ranges.stream().anyMatch(r -> Long.compareUnsigned(m.start(), r[1]) < 0
                && Long.compareUnsigned(r[0], m.end()) < 0);
    }

    /**
     * Guest RAM known only by size (another VMM's process): anonymous mappings at least
     * {@code ramBytes} long and at most 4 MiB longer (alignment and guard pages).
     */
    public static Predicate<Mapping> ramSized(long ramBytes) {
        return m -> (m.name().isEmpty() || m.name().startsWith("/dev/zero") || m.name().startsWith("/memfd:"))
                && m.size() >= ramBytes && m.size() <= ramBytes + (4L << 20);
    }

    /** CPU times from /proc/PID/stat in milliseconds: {utime, stime, cutime, cstime}. */
    public static long[] parseStatCpuMs(String stat) {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After ')' field 3 (state) is f[0]; utime is field 14, so f[11] .. cstime f[14].
        long[] ms = new long[4];
        for (int i = 0; i < 4; i++) {
            ms[i] = Long.parseLong(f[11 + i]) * 1000 / CLK_TCK;
        }
        return ms;
    }

    /** Guest RAM of a restored VMM known by its memory file: every mapping of that file. */
    public static Predicate<Mapping> mappingOf(Path file) {
        String name = file.toAbsolutePath().normalize().toString();
        return m -> m.name().equals(name);
    }

    /** MemAvailable of /proc/meminfo text, KiB: the kernel's estimate of what can be allocated without swapping. */
    public static long parseMemAvailable(List<String> meminfo) {
        for (String line : meminfo) {
            if (line.startsWith("MemAvailable:")) {
                return kib(line);
            }
        }
        throw new IllegalArgumentException("/proc/meminfo has no MemAvailable line");
    }

    /** This host's MemAvailable now, KiB. */
    public static long memAvailableKiB() throws IOException {
        return parseMemAvailable(Files.readAllLines(Path.of("/proc/meminfo")));
    }

    /**
     * CPU time (user + system, all threads) of {@code root} and every descendant alive now, ms; processes
     * that end between two readings drop out of the sum (an idle instance's processes do not end).
     */
    public static long treeCpuMs(ProcessHandle root) {
        long sum = processCpuMs(root.pid());
        for (ProcessHandle d : root.descendants().toList()) {
            sum += processCpuMs(d.pid());
        }
        return sum;
    }

    /** utime + stime of one process, ms; 0 when it is gone. */
    static long processCpuMs(long pid) {
        try {
            long[] t = parseStatCpuMs(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            return t[0] + t[1];
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU used by this process so far (user + system), ms. */
    public static long selfCpuMs() {
        long[] t = selfStat();
        return t[0] + t[1];
    }

    /** CPU used by this process's children that have ended and been waited for (user + system), ms. */
    public static long childrenCpuMs() {
        long[] t = selfStat();
        return t[2] + t[3];
    }

    private static long[] selfStat() {
        try {
            return parseStatCpuMs(Files.readString(Path.of("/proc/self/stat")));
        } catch (IOException | RuntimeException e) {
            return new long[4];
        }
    }

    /**
     * For a guest that does not answer: each of this process's threads {@code tids} as "TID STATE wchan" (the
     * third field of /proc/self/task/TID/stat: R running or runnable, S sleeping; wchan the kernel function it
     * sleeps in, e.g. kvm_vcpu_block for a halted vCPU), or "TID gone" for a thread that ended.
     */
    static String threadStates(List<Integer> tids) {
        List<String> out = new ArrayList<>();
        for (int tid : tids) {
            Path task = Path.of("/proc/self/task", Integer.toString(tid));
            try {
                String stat = Files.readString(task.resolve("stat"));
                String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                out.add("vCPU thread " + tid + " " + state + " " + Files.readString(task.resolve("wchan")).strip());
            } catch (IOException | RuntimeException e) {
                out.add("vCPU thread " + tid + " gone");
            }
        }
        return String.join(", ", out);
    }
}
