package io.jvmm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code jvmm jail-probe} (hidden, for the jail's tests): prints what a process sees — its ids and
 * capabilities, host name, network interfaces, whether it can connect to given TCP addresses, its cgroups,
 * and its whole root directory (mount points named but not entered, but for /dev) — then, with
 * {@code --hold}, waits for stdin to close. {@code jvmm jail -- jail-probe} runs it where {@code run} would.
 * Options it does not know (the run options the jail rewrote) are ignored.
 */
@Command(name = "jail-probe", hidden = true, description = "Print what this process can see (tests of jvmm jail).")
final class JailProbeCommand implements Callable<Integer> {
    @Option(names = "--connect", paramLabel = "HOST:PORT")
    List<String> connect = List.of();

    @Option(names = "--hold", description = "After printing, wait until stdin is closed.")
    boolean hold;

    @Unmatched
    List<String> ignored = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.matches("(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb):.*")) {
                out.println("status " + line.replaceAll("\\s+", " ").strip());
            }
        }
        out.println("pid " + ProcessHandle.current().pid());
        out.println("hostname " + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        // /proc/net/dev: every interface of this process's network namespace, up or down, with or without an address.
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/net/dev"))) {
            if (line.contains(":")) {
                names.add(line.substring(0, line.indexOf(':')).strip());
            }
        }
        out.println("interfaces " + String.join(",", names.stream().sorted().toList()));
        for (String c : connect) {
            int colon = c.lastIndexOf(':');
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(c.substring(0, colon), Integer.parseInt(c.substring(colon + 1))), 2000);
                out.println("connect " + c + " ok");
            } catch (IOException e) {
                out.println("connect " + c + " failed: " + e.getMessage());
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            out.println("cgroup " + line);
        }
        Set<Path> mounts = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            mounts.add(Path.of(line.split(" ")[4].replace("\\040", " ")));
        }
        list(Path.of("/"), mounts, out);
        out.println("probe: done");
        out.flush();
        if (hold) {
            InputStream in = System.in;
            while (in.read() >= 0) {
                // wait for EOF
            }
        }
        return 0;
    }

    private static void list(Path dir, Set<Path> mounts, PrintStream out) throws IOException {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            out.println("root " + dir + " (unreadable: " + e.getClass().getSimpleName() + ")");
            return;
        }
        for (Path p : entries) {
            boolean mount = mounts.contains(p);
            out.println("root " + p + (mount ? " (mount)" : ""));
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && (!mount || p.toString().equals("/dev"))
                    && !p.toString().equals("/proc")) {
                list(p, mounts, out);
            }
        }
    }
}
