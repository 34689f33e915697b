package io.jvmm.cli;

import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code jvmm jail}: runs {@code jvmm run} confined, in the spirit of Firecracker's jailer. Three steps:
 *
 * <ol>
 * <li>here, on the host, as root: check the options, make the jail directory {@code BASE/ID/root} and the
 *     cgroup, then start the launcher;</li>
 * <li>a shell run by util-linux {@code unshare} in new mount, PID, IPC, UTS and network namespaces (or
 *     {@code nsenter} into a given network namespace first) bind-mounts the files the VMM was given, the JDK
 *     and jvmm's modules (read-only) into the directory, makes /dev/kvm and the other device nodes on a
 *     tmpfs and mounts /proc ({@code jail-setup.sh});</li>
 * <li>the JVM it execs, {@code jvmm jail-init}, pivots into the directory, drops every thread to the uid
 *     and gid and runs {@code run} with the paths rewritten.</li>
 * </ol>
 *
 * A JVM cannot make a mount namespace for itself (unshare(CLONE_NEWNS) refuses a process whose threads
 * share their filesystem context, and the JVM has a dozen threads before main) nor fork safely, so step 2
 * is the small external launcher that a fresh Debian machine has. This process waits for the VMM, passes
 * on its exit status, then removes the jail directory and the cgroup.
 */
@Command(name = "jail", mixinStandardHelpOptions = true,
        description = {"Run 'jvmm run' in a jail: new mount, PID, IPC, UTS and network namespaces, a root holding only the "
                + "files it was given (bind mounts), the JDK and jvmm read-only, /dev/kvm, an ordinary uid/gid and cgroup limits.",
                "Needs root. Example: jvmm jail --id vm1 --uid 1000 --gid 1000 -- run --kernel vmlinux --initrd initrd.img"})
final class JailCommand implements Callable<Integer> {
    /**
     * The logger, made on first use: `jvmm --help` builds this command's model without running it, and a logger
     * made at class initialisation would start Logback there (~30 ms of a ~100 ms start).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(JailCommand.class);
    }
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    /** Inside the jail: where the default image's cache appears (JVMM_IMAGE_CACHE). */
    static final String JAIL_IMAGES = "/images";

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The jail's name: its directory BASE/ID/root and its cgroup jvmm/ID (letters, digits, - and _).")
    String id;

    @Option(names = "--uid", required = true, paramLabel = "UID", description = "The numeric user id the VMM runs as (not 0).")
    String uid;

    @Option(names = "--gid", required = true, paramLabel = "GID", description = "The numeric group id the VMM runs as; supplementary groups are cleared.")
    String gid;

    @Option(names = "--chroot-base", paramLabel = "DIR", defaultValue = "/srv/jvmm",
            description = "Where jail directories are made (BASE/ID/root, removed at exit). Default: ${DEFAULT-VALUE}.")
    Path base;

    @Option(names = "--netns", paramLabel = "FILE",
            description = "Join this network namespace (e.g. /var/run/netns/NAME, where its TAPs are) instead of a new, empty one.")
    Path netns;

    @Option(names = "--memory-limit", paramLabel = "SIZE", description = "cgroup memory limit of the VMM (e.g. 512M): memory.max (v2) or memory.limit_in_bytes (v1).")
    String memoryLimit;

    @Option(names = "--cpu-limit", paramLabel = "CPUS", description = "cgroup CPU limit in CPUs (e.g. 1.5): cpu.max (v2) or cpu.cfs_quota_us (v1).")
    Double cpuLimit;

    @Option(names = "--cgroup-root", paramLabel = "DIR", defaultValue = "/sys/fs/cgroup", hidden = true)
    Path cgroupRoot;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "run and its options (paths are bind-mounted and rewritten).")
    List<String> command;

    /** A file or directory to bind-mount at {@code target} (absolute, inside the jail). */
    record Bind(Path source, String target, boolean readOnly) {
    }

    @Override
    public Integer call() throws Exception {
        int uidValue = id(uid, "--uid");
        int gidValue = id(gid, "--gid");
        if (uidValue == 0) {
            throw new UserError("jail: --uid 0 would leave the VMM root; give an ordinary user's id");
        }
        if (!ID.matcher(id).matches()) {
            throw new UserError("jail: --id '" + id + "': use 1 to 64 letters, digits, - and _ (starting with a letter or digit)");
        }
        if (!Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0)) {
            throw new UserError("jail: needs root (to make namespaces, mount the jail and drop to --uid); run it with sudo", 1);
        }
        if (netns != null && !Files.exists(netns)) {
            throw new UserError("jail: --netns " + netns + ": no such file (ip netns add NAME makes /var/run/netns/NAME)");
        }
        for (String tool : List.of("unshare", "setpriv", "mount", "mknod", netns != null ? "nsenter" : "unshare")) {
            if (onPath(tool) == null) {
                throw new UserError("jail: needs the util-linux program " + tool + " (apt-get install util-linux mount)", 1);
            }
        }
        Long memoryBytes = memoryLimit == null ? null : Sizes.parse(memoryLimit, "--memory-limit");
        if (cpuLimit != null && !(cpuLimit > 0 && cpuLimit <= 4096)) {
            throw new UserError("jail: --cpu-limit must be a number of CPUs above 0, e.g. 0.5 or 2");
        }
        Path jailDir = base.toAbsolutePath().resolve(id);
        Path root = jailDir.resolve("root");
        Plan plan = plan(root);

        if (Files.exists(jailDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("jail: " + jailDir + " exists (a jail of this id runs, or one was left behind: remove it)");
        }
        try {
            Files.createDirectories(base);
            Files.createDirectory(jailDir);
            Files.createDirectory(root);
            Files.setPosixFilePermissions(jailDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UserError("jail: cannot make " + root + ": " + e.getMessage(), 1);
        }
        JailCgroup[] cgroup = new JailCgroup[1];
        // Run by the main thread when the VMM has ended, or by the shutdown hook (SIGTERM): whichever comes
        // second waits for the first to finish, since the JVM halts as soon as the hook returns.
        boolean[] cleaned = new boolean[1];
        Runnable cleanUp = () -> {
            synchronized (cleaned) {
                if (!cleaned[0]) {
                    if (cgroup[0] != null) {
                        cgroup[0].remove();
                    }
                    removeTree(jailDir);
                    cleaned[0] = true;
                }
            }
        };
        try {
            if (plan.imageSymlink != null) {
                Files.createDirectories(root.resolve(JAIL_IMAGES.substring(1)));
                Files.createSymbolicLink(root.resolve(JAIL_IMAGES.substring(1)).resolve(plan.imageSymlink[0]), Path.of(plan.imageSymlink[1]));
            }
            if (memoryBytes != null || cpuLimit != null) {
                cgroup[0] = JailCgroup.create(cgroupRoot, id, memoryBytes, cpuLimit);
                Log.LOG.info("jail: cgroup {} {}{}{}", cgroup[0].version(), cgroup[0].dirs(),
                        memoryBytes != null ? ", memory " + memoryBytes + " bytes" : "", cpuLimit != null ? ", " + cpuLimit + " CPUs" : "");
            }
            List<String> cmd = launcher(root, uidValue, gidValue, plan, cgroup[0]);
            Log.LOG.debug("jail: launching {}", cmd);
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            if (plan.imageSymlink != null) {
                pb.environment().put(GuestImages.CACHE_ENV, JAIL_IMAGES);
            }
            Process p = pb.start();
            // SIGTERM or SIGINT to this process: stop the VMM (SIGTERM to unshare, whose --kill-child then
            // SIGKILLs it), wait for it, and clean up here: the main thread's finally does not run at exit.
            Thread stopper = new Thread(() -> {
                // The VMM first (unshare's child, PID 1 of the jail's PID namespace), then the launcher.
                List<ProcessHandle> vmm = p.descendants().toList();
                vmm.forEach(ProcessHandle::destroyForcibly);
                p.destroy();
                try {
                    for (ProcessHandle h : vmm) {
                        h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    }
                    if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    System.err.println("jvmm: jail: the VMM did not end within 5 s of SIGKILL");
                }
                cleanUp.run();
            }, "jail-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            int status = p.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                return status;   // the hook runs now and cleans up
            }
            return status;
        } finally {
            cleanUp.run();
        }
    }

    /** What the jail holds and the command line the VMM gets, with its paths rewritten. */
    static final class Plan {
        final List<Bind> binds = new ArrayList<>();
        final List<String> devices = new ArrayList<>();   // KIND MAJ:MIN TARGET triples for jail-setup.sh
        final List<String> vmmArgs = new ArrayList<>();
        String[] imageSymlink;   // name in /images, target; null without the default image
    }

    /** Checks the VMM's command line and plans the jail: which file goes where, under what name. */
    Plan plan(Path root) {
        Plan plan = new Plan();
        String verb = command.get(0);
        if (!verb.equals("run") && !verb.equals("jail-probe")) {
            throw new UserError("jail: runs 'run' (jvmm jail [OPTIONS] -- run [RUN OPTIONS]), not '" + verb + "'");
        }
        plan.vmmArgs.add(verb);
        boolean kernelGiven = false;
        boolean net = false;
        boolean cpuProfile = false;
        String image = "minimal";
        int disks = 0;
        List<String> args = command.subList(1, command.size());
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.startsWith("--") && a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean inline = !name.equals(a);
            switch (name) {
                case "--kernel", "--initrd", "--system-map", "--disk", "--image" -> {
                    String value = inline ? a.substring(name.length() + 1) : (i + 1 < args.size() ? args.get(++i) : null);
                    if (value == null) {
                        throw new UserError("jail: " + name + " needs a value");
                    }
                    switch (name) {
                        case "--kernel" -> {
                            kernelGiven = true;
                            plan.vmmArgs.addAll(List.of(name, bindFile(plan, value, "/kernel", name, true)));
                        }
                        case "--initrd" -> plan.vmmArgs.addAll(List.of(name, bindFile(plan, value, "/initrd", name, true)));
                        case "--system-map" -> plan.vmmArgs.addAll(List.of(name, bindFile(plan, value, "/System.map", name, true)));
                        case "--image" -> {
                            image = value;
                            plan.vmmArgs.addAll(List.of(name, value));
                        }
                        default -> {
                            var disk = SpecOptions.disk(value);
                            String target = bindFile(plan, disk.path().toString(), "/disk" + disks++, "--disk", disk.readOnly());
                            plan.vmmArgs.addAll(List.of(name, target + (disk.readOnly() ? ",ro" : "")));
                        }
                    }
                }
                case "--config-file", "--restore", "--snapshot-dir", "--snapshot-at", "--kvm-device", "--timings-json" ->
                        throw new UserError("jail: run " + name + " is not supported in the jail (its files are not bind-mounted)");
                default -> {
                    net |= name.equals("--net");
                    cpuProfile |= name.equals("--cpu-profile");
                    plan.vmmArgs.add(a);
                }
            }
        }
        if (verb.equals("run") && !cpuProfile) {
            // The jail has no /sys, where run's "auto" looks for the signs of an emulating KVM host: look here.
            plan.vmmArgs.addAll(List.of("--cpu-profile",
                    io.jvmm.boot.cpu.CpuProfile.detect(Path.of("/")).emulating() ? "emulating" : "hardware"));
        }
        if (verb.equals("run") && !kernelGiven) {
            Profile profile;
            try {
                profile = Profile.fromId(image);
            } catch (IllegalArgumentException e) {
                throw new UserError("jail: --image: " + e.getMessage());
            }
            Path cache = GuestImages.defaultCacheRoot();
            ImageSet set = GuestImages.current(cache, profile).orElseThrow(() -> new UserError("jail: no " + profile.id()
                    + " guest image in " + cache + ": build it first (jvmm images build), the jail cannot", 1));
            String dir = set.directory().getFileName().toString();
            plan.binds.add(new Bind(set.directory(), JAIL_IMAGES + "/" + dir, true));
            plan.imageSymlink = new String[] {GuestImages.CURRENT + "-" + profile.id(), dir};
        }
        plan.devices.addAll(List.of("dev", "10:232", "/dev/kvm"));
        if (net) {
            plan.devices.addAll(List.of("dev", "10:200", "/dev/net/tun"));
        }
        plan.devices.addAll(List.of("chr", "1:3", "/dev/null", "chr", "1:5", "/dev/zero", "chr", "1:8", "/dev/random", "chr", "1:9", "/dev/urandom"));
        return plan;
    }

    private static String bindFile(Plan plan, String path, String target, String option, boolean readOnly) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new UserError("jail: " + option + " " + path + ": no such file");
        }
        if (Files.isDirectory(p)) {
            throw new UserError("jail: " + option + " " + path + ": is a directory");
        }
        plan.binds.add(new Bind(p, target, readOnly));
        return target;
    }

    /** The whole launcher command: join the cgroup, [nsenter,] unshare, jail-setup.sh, the JVM, jail-init. */
    List<String> launcher(Path root, int uidValue, int gidValue, Plan plan, JailCgroup cgroup) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "for f do [ \"$f\" = -- ] && break; echo $$ 2>/dev/null > \"$f\" || { echo \"jvmm: jail: cannot join the cgroup $f\" >&2; exit 1; }; "
                        + "shift; done; shift; exec \"$@\"", "jvmm-jail"));
        if (cgroup != null) {
            for (Path f : cgroup.procsFiles()) {
                cmd.add(f.toString());
            }
        }
        cmd.add("--");
        // If this process dies (even by SIGKILL), the kernel sends SIGKILL to unshare, and its --kill-child
        // passes it on to the VMM.
        cmd.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        if (netns != null) {
            cmd.addAll(List.of("nsenter", "--net=" + netns.toAbsolutePath(), "--"));
        }
        cmd.addAll(List.of("unshare", "--mount", "--pid", "--ipc", "--uts"));
        if (netns == null) {
            cmd.add("--net");
        }
        cmd.addAll(List.of("--fork", "--kill-child", "--", "sh", "-c", setupScript(), "jvmm-jail-setup",
                root.toString(), Integer.toUnsignedString(uidValue), Integer.toUnsignedString(gidValue)));
        JvmCommand jvm = JvmCommand.current();
        Set<Path> jvmFiles = new LinkedHashSet<>(jvm.files());
        for (Path f : jvmFiles) {
            cmd.addAll(List.of("ro", f.toString(), f.toString()));
        }
        for (Bind b : plan.binds) {
            cmd.addAll(List.of(b.readOnly() ? "ro" : "rw", b.source().toString(), b.target()));
        }
        cmd.addAll(plan.devices);
        cmd.add("--");
        cmd.addAll(jvm.prefix());
        cmd.add("jail-init");
        for (int i = 0; i < Logging.verbosity(); i++) {
            cmd.add("-v");
        }
        cmd.addAll(List.of("--root", root.toString(), "--uid", Integer.toUnsignedString(uidValue),
                "--gid", Integer.toUnsignedString(gidValue), "--"));
        cmd.addAll(plan.vmmArgs);
        return cmd;
    }

    private static String setupScript() throws IOException {
        try (InputStream in = JailCommand.class.getResourceAsStream("jail-setup.sh")) {
            if (in == null) {
                throw new IllegalStateException("jail-setup.sh is missing from the jvmm jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static int id(String text, String option) {
        try {
            long v = Long.parseLong(text);
            if (v < 0 || v > 0xFFFF_FFFEL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new UserError("jail: " + option + " '" + text + "': give a number from 0 to 4294967294");
        }
    }

    private static Path onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Removes the jail directory. Its mounts lived in the VMM's mount namespace, gone with the VMM, so what
     * is left are empty mount points, /tmp and /run; the walk stays on the directory's own file system and
     * follows no symbolic link (the jailed user could have made some in /tmp).
     */
    static void removeTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Object device = Files.getAttribute(dir, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    if (!device.equals(Files.getAttribute(d, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                        throw new IOException(d + " is a mount point still in use");
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("jvmm: jail: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
