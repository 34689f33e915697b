package io.jvmm.cli.bench;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.cli.Sizes;
import io.jvmm.cli.UserError;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jvmm bench}: boots the same guest workload in jvmm (cold and warm), QEMU microvm and two container
 * runtimes, times each phase, measures memory, and writes a table, a JSON file and an HTML chart.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure VM boot against container start on this host: jvmm cold and warm, an empty VM, "
                + "crun, runc and QEMU microvm, running the same command; phases, CPU time, memory, density.",
                "On hosts whose KVM emulates guest kernel code (nested PVM) a Linux boot takes minutes: the default "
                        + "run counts are small there."})
public final class BenchCommand implements Callable<Integer> {
    static final List<String> ALL = List.of("java", "ffm", "help", "api-floor", "serve", "empty", "empty-warm", "jvmm", "jvmm-warm", "jvmm-restore",
            "jvmm-restore-warm", "crun", "runc", "qemu");

    @Option(names = "--systems", split = ",", paramLabel = "LIST",
            description = "Systems to run, in order, from: java, ffm, help, api-floor, serve, empty, empty-warm, jvmm, jvmm-warm, jvmm-restore, "
                    + "jvmm-restore-warm, crun, runc, qemu. Default: all.")
    List<String> systems = ALL;

    @Option(names = "--snapshot", paramLabel = "DIR", description = "The snapshot jvmm-restore, jvmm-restore-warm and the "
            + "jvmm density runs resume (taken with jvmm run --snapshot-at ready). Default: the benchmark boots the default "
            + "minimal guest once and snapshots it at its shell prompt.")
    Path snapshotDir;

    @Option(names = "--density", paramLabel = "N", arity = "0..1", fallbackValue = "0",
            description = "Measure density: N live instances of each --density-systems system, each answering a typed "
                    + "command, held idle, then stopped. Without N: 20.")
    Integer density;

    @Option(names = "--density-systems", split = ",", paramLabel = "LIST", defaultValue = "jvmm-clones,jvmm-processes,crun",
            description = "Systems for --density, from: jvmm-clones, jvmm-processes, crun, runc. Default: ${DEFAULT-VALUE}.")
    List<String> densitySystems;

    @Option(names = "--density-idle", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long --density holds the instances idle while it measures their CPU. Default: ${DEFAULT-VALUE}.")
    double densityIdle;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per system (default: 10 on hardware KVM, 3 on an emulating host).")
    Integer runs;

    @Option(names = "--kernel-runs", paramLabel = "N", description = "Measured runs for systems that boot Linux (default: --runs on hardware KVM, 1 on an emulating host).")
    Integer kernelRuns;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Unmeasured runs first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--kernel-warmup", paramLabel = "N", description = "Unmeasured runs first for systems that boot Linux (default: --warmup on hardware KVM, 0 on an emulating host).")
    Integer kernelWarmupRuns;

    @Option(names = "--command", paramLabel = "TEXT", defaultValue = "uname -a", description = "What /init runs in every VM and container. Default: ${DEFAULT-VALUE}.")
    String command;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "128M", description = "Guest RAM of every VM. Default: ${DEFAULT-VALUE}.")
    String memory;

    @Option(names = "--kernel", paramLabel = "FILE", description = "Guest kernel (default: the cached minimal image's vmlinux).")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initramfs with jvmm's /init (default: the cached minimal image's).")
    Path initrd;

    @Option(names = "--bundle", paramLabel = "DIR", description = "OCI bundle for the containers (default: the cached minimal image's).")
    Path bundle;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every sample, the summaries and the host description as JSON.")
    Path json;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a self-contained HTML report with an SVG chart.")
    Path report;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Kill a run after this long (default: 1500 on an emulating host, 120 on hardware).")
    Long timeout;

    @Option(names = "--density-memory", paramLabel = "SIZE", description = "Host memory for the computed density figure (default: this host's MemTotal).")
    String densityMemory;

    @Option(names = "--per-vm", paramLabel = "K", defaultValue = "4", description = "VMs built and held (started paused) "
            + "in this JVM to measure the VMM memory each additional VM costs beyond its guest pages (0: skip). Default: ${DEFAULT-VALUE}.")
    int perVm;

    @Option(names = "--exit-path", paramLabel = "N", defaultValue = "100000", description = "Port-I/O exits for the exit-path figure (0: skip). Default: ${DEFAULT-VALUE}.")
    int exitPathExits;

    @Option(names = "--exit-path-seccomp", description = "Measure the exit path under the seccomp filter of jvmm run/serve, "
            + "installed in this process once the systems (and --density) have run (the C floor is then not run). Compare with a run without it.")
    boolean exitPathSeccomp;

    @Option(names = "--kvm-probe", paramLabel = "FILE", description = "A C program to compare the exit path with: `FILE pio N` prints "
            + "'pio N exits: S s, U us/exit' (see docs/benchmarks.md). Default: jvmm's own exit-path-floor.c, built with gcc "
            + "when gcc is present (skipped, and said so, when not).")
    Path kvmProbe;

    @Option(names = "--install", description = "Install the missing programs the chosen systems compare against (crun, "
            + "runc, qemu-system-x86, gcc for the exit path's C floor) with apt-get first, as `jvmm images build` installs "
            + "its packages. Without it, the bench prints the install line and reports those systems as not run.")
    boolean install;

    @Option(names = "--qemu-cpu", paramLabel = "MODEL", description = "QEMU -cpu (default: host on hardware KVM, '" + QemuSystem.EMULATING_HOST_CPU + "' on emulating hosts).")
    String qemuCpu;

    @Override
    public Integer call() throws Exception {
        Progress progress = new Progress(System.err);
        // Interrupted (Ctrl-C): end what we started (a VMM can run for minutes) and remove our cgroups.
        Thread cleanup = new Thread(() -> {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            MemoryCgroup.closeAll();
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return measure(progress);
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private int measure(Progress progress) throws Exception {
        for (String s : systems) {
            if (!ALL.contains(s)) {
                throw new UserError("--systems: unknown system '" + s + "' (known: " + String.join(", ", ALL) + ")");
            }
        }
        for (String s : densitySystems) {
            if (!DensityBench.SYSTEMS.contains(s)) {
                throw new UserError("--density-systems: unknown system '" + s + "' (known: " + String.join(", ", DensityBench.SYSTEMS) + ")");
            }
        }
        if (density != null && density < 0) {
            throw new UserError("--density must be at least 1");
        }
        if (snapshotDir != null && !Files.isRegularFile(io.jvmm.machine.snapshot.SnapshotFiles.in(snapshotDir).stateFile())) {
            throw new UserError("--snapshot " + snapshotDir + ": no snapshot there (state.json missing)");
        }
        if (!(densityIdle > 0)) {
            throw new UserError("--density-idle must be more than 0 seconds");
        }
        if (perVm < 0) {
            throw new UserError("--per-vm must be at least 0 (0: skip)");
        }
        for (Path out : new Path[] {json, report}) {
            // Found out now, not after minutes of booting.
            Path dir = out == null ? null : out.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new UserError(out + ": directory " + dir + " does not exist");
            }
            if (dir != null && !Files.isWritable(dir)) {
                throw new UserError(out + ": directory " + dir + " is not writable");
            }
        }
        installOrTell(progress);
        Map<String, Object> host = HostDescription.describe();
        boolean emulating = "emulating".equals(host.get("kvm"));
        int measuredRuns = runs != null ? runs : emulating ? 3 : 10;
        int kernelMeasured = kernelRuns != null ? kernelRuns : emulating ? 1 : measuredRuns;
        int kernelWarmup = kernelWarmupRuns != null ? kernelWarmupRuns : emulating ? 0 : warmup;
        if (measuredRuns < 1 || kernelMeasured < 1 || warmup < 0 || kernelWarmup < 0) {
            throw new UserError("--runs and --kernel-runs must be at least 1, --warmup and --kernel-warmup at least 0");
        }
        long timeoutS = timeout != null ? timeout : emulating ? 1500 : 120;
        long mem = Sizes.parse(memory, "--memory");
        long densityKiB = densityMemory != null ? Sizes.parse(densityMemory, "--density-memory") / 1024 : HostDescription.memTotalKiB();
        CpuProfile profile = CpuProfile.detect(Path.of("/"));
        Path work = Files.createTempDirectory("jvmm-bench-");
        try {
            return measure(progress, host, emulating, measuredRuns, kernelMeasured, kernelWarmup, timeoutS, mem, densityKiB,
                    profile, work);
        } finally {
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("jvmm bench: could not remove " + dir + ": " + e.getMessage());
        }
    }

    private int measure(Progress progress, Map<String, Object> host, boolean emulating, int measuredRuns, int kernelMeasured,
                        int kernelWarmup, long timeoutS, long mem, long densityKiB, CpuProfile profile, Path work) throws Exception {
        BenchSystem.Setup setup = setup(mem, profile, work, timeoutS);
        GuestSnapshot snapshot = new GuestSnapshot(setup, snapshotDir);
        int densityN = density == null ? 0 : density > 0 ? density : DEFAULT_DENSITY;

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("commandLine", "jvmm bench " + String.join(" ", ProcessHandle.current().info().arguments()
                .map(a -> argsAfterBench(a)).orElse(List.of())));
        settings.put("systems", systems);
        settings.put("runs", measuredRuns);
        settings.put("kernelRuns", kernelMeasured);
        settings.put("warmup", warmup);
        settings.put("kernelWarmup", kernelWarmup);
        settings.put("command", command);
        settings.put("memoryBytes", mem);
        settings.put("kernel", String.valueOf(setup.kernel()));
        settings.put("initrd", String.valueOf(setup.initrd()));
        settings.put("bundle", String.valueOf(setup.bundle()));
        settings.put("kernelCmdline", setup.cmdline());
        settings.put("cpuProfile", profile.name());
        settings.put("jvmmChildCommand", String.join(" ", setup.javaCommand()) + " run ...");
        settings.put("timeoutSeconds", timeoutS);
        settings.put("note", emulating ? "emulating KVM host: guest kernel code runs ~1000x slower than on hardware, so the "
                + "run counts are small; compare ratios between systems, not absolute boot times" : "hardware KVM host");
        if (emulating) {
            progress.note("this host's KVM emulates guest kernel code: a Linux boot takes minutes; "
                    + kernelMeasured + " run(s) for systems that boot Linux, " + measuredRuns + " for the others");
        }

        settings.put("snapshot", snapshot.description());
        settings.put("qemuRestore", "not run: " + RestoreSystems.qemuRestoreNotRun());
        List<BenchResult.SystemResult> results = new ArrayList<>();
        for (String id : systems) {
            BenchSystem sys = create(id, setup, snapshot);
            results.add(runSystem(sys, sys.bootsKernel() ? kernelMeasured : measuredRuns,
                    sys.bootsKernel() ? kernelWarmup : warmup, progress));
        }
        List<DensityBench.Result> densityResults = new ArrayList<>();
        if (densityN > 0) {
            settings.put("density", Map.of("instances", densityN, "systems", densitySystems, "idleSeconds", densityIdle));
            DensityBench d = new DensityBench(setup, snapshot, densityN, densityIdle, progress);
            for (String id : densitySystems) {
                densityResults.add(d.run(id));
            }
        }
        Map<String, Object> perVmMemory = null;
        if (perVm > 0) {
            settings.put("perVm", perVm);
            perVmMemory = PerVmMemory.measure(setup, perVm, progress);
        }
        Map<String, Object> exitPath = null;
        if (exitPathExits > 0) {
            StringBuilder why = new StringBuilder();
            Path probe = null;
            if (exitPathSeccomp) {
                why.append("under the VMM's seccomp filter, which refuses child processes");
            } else {
                probe = kvmProbe != null ? kvmProbe : ExitPathFloor.build(work, why);
            }
            if (exitPathSeccomp) {
                // After the systems and the density runs: from here on this process can start no child.
                io.jvmm.cli.VmmSeccomp.install(false);
                progress.note("exit path: under the VMM's seccomp filter (the C floor, a child process, not run)");
            }
            exitPath = ExitPathFigure.measure(exitPathExits, Math.max(1, Math.min(measuredRuns, 3)), probe, why.toString(),
                    exitPathSeccomp, progress);
        }
        BenchResult result = new BenchResult(host, settings, results, exitPath, densityKiB, densityResults, perVmMemory);

        System.out.print(Reports.table(result));
        System.out.flush();
        if (json != null) {
            Files.writeString(json, BenchJson.write(Reports.json(result)));
            progress.note("JSON written to " + json);
        }
        if (report != null) {
            Files.writeString(report, HtmlReport.html(result));
            progress.note("report written to " + report);
        }
        return results.stream().anyMatch(r -> r.error() != null) || densityResults.stream().anyMatch(d -> d.error() != null) ? 1 : 0;
    }

    /** Debian packages of the programs the chosen systems need that are not on PATH (program → package). */
    List<String> missingPackages() {
        Map<String, String> need = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(systems);
        if (density != null) {
            all.addAll(densitySystems);
        }
        for (String s : all) {
            switch (s) {
                case "crun", "runc" -> need.put(s, s);
                case "qemu" -> need.put("qemu-system-x86_64", "qemu-system-x86");
                default -> { }
            }
        }
        if (exitPathExits > 0 && kvmProbe == null) {
            need.put("gcc", "gcc libc6-dev linux-libc-dev");
        }
        List<String> missing = new ArrayList<>();
        need.forEach((program, pkg) -> {
            if (Tools.which(program) == null) {
                missing.addAll(List.of(pkg.split(" ")));
            }
        });
        return missing;
    }

    private void installOrTell(Progress progress) {
        List<String> missing = missingPackages();
        if (missing.isEmpty()) {
            return;
        }
        String line = "apt-get install -y " + String.join(" ", missing);
        if (!install) {
            progress.note("not installed here: " + String.join(" ", missing) + "; the systems that need them are reported "
                    + "as not run. Install with `" + line + "`, or run jvmm bench --install");
            return;
        }
        try {
            io.jvmm.images.HostPackages.ensure(missing, progress::note);
        } catch (io.jvmm.images.ImageBuildException e) {
            throw new UserError("--install: " + e.getMessage());
        }
    }

    private static List<String> argsAfterBench(String[] args) {
        List<String> a = List.of(args);
        int i = a.indexOf("bench");
        return i < 0 ? List.of() : a.subList(i + 1, a.size());
    }

    private BenchSystem.Setup setup(long mem, CpuProfile profile, Path work, long timeoutS) {
        boolean needImage = systems.stream().anyMatch(s -> List.of("jvmm", "jvmm-warm", "crun", "runc", "qemu").contains(s))
                || (density != null && densitySystems.stream().anyMatch(s -> s.equals("crun") || s.equals("runc")));
        Path k = kernel;
        Path rd = initrd;
        Path b = bundle;
        if (needImage && (k == null || rd == null || b == null)) {
            ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).orElseThrow(() -> new UserError(
                    "no minimal guest image in " + GuestImages.defaultCacheRoot() + ": build it with `jvmm images build` "
                            + "or give --kernel, --initrd and --bundle"));
            k = k != null ? k : image.vmlinux();
            rd = rd != null ? rd : image.initramfs();
            b = b != null ? b : image.bundle();
        }
        for (Path p : new Path[] {k, rd}) {
            if (p != null && !Files.isRegularFile(p)) {
                throw new UserError(p + ": no such file");
            }
        }
        return new BenchSystem.Setup(k, rd, b, command, mem, profile, javaCommand(), work, timeoutS);
    }

    private BenchSystem create(String id, BenchSystem.Setup setup, GuestSnapshot snapshot) {
        return switch (id) {
            case "java" -> JvmmSystems.StartToExit.javaVersion(setup);
            case "ffm" -> JvmmSystems.StartToExit.ffmFloor(setup);
            case "help" -> JvmmSystems.StartToExit.help(setup);
            case "api-floor" -> new ServeSystem(setup, true);
            case "serve" -> new ServeSystem(setup, false);
            case "empty" -> new JvmmSystems.Cold(setup, false);
            case "empty-warm" -> new JvmmSystems.Warm(setup, false);
            case "jvmm" -> new JvmmSystems.Cold(setup, true);
            case "jvmm-warm" -> new JvmmSystems.Warm(setup, true);
            case "jvmm-restore" -> new RestoreSystems.Cold(setup, snapshot);
            case "jvmm-restore-warm" -> new RestoreSystems.Warm(setup, snapshot);
            case "crun", "runc" -> new ContainerSystem(setup, id);
            case "qemu" -> new QemuSystem(setup, qemuCpu);
            default -> throw new UserError("unknown system " + id);
        };
    }

    static BenchResult.SystemResult runSystem(BenchSystem sys, int runs, int warmups, Progress progress) {
        String why = sys.unavailable();
        List<Sample> samples = new ArrayList<>();
        if (why != null) {
            progress.note(sys.id() + ": not run: " + why);
            return new BenchResult.SystemResult(sys.id(), sys.title(), sys.method(), sys.bootsKernel(), why, null, samples);
        }
        String error = null;
        try {
            for (int i = 1; i <= warmups + runs && error == null; i++) {
                boolean warm = i <= warmups;
                int n = warm ? i : i - warmups;
                progress.begin(sys.id(), n, warm ? warmups : runs, warm);
                Sample s = sys.run(n, warm, progress);
                samples.add(s);
                progress.end(String.format(Locale.ROOT, "%s%s%s, total %s, CPU %s", s.status() == 0 ? "ok" : "FAILED (status " + s.status() + ")",
                        s.readyMs() != null ? ", /init ready at " + Reports.ms(s.readyMs()) : "",
                        s.replyMs() != null ? ", reply at " + Reports.ms(s.replyMs()) : "", Reports.ms(s.totalMs()),
                        s.cpuMs() == null ? "-" : Reports.ms(s.cpuMs())));
                if (s.status() != 0 && !warm && samples.stream().noneMatch(x -> x.status() == 0)) {
                    error = "run " + n + " failed (status " + s.status() + ")";
                }
            }
        } catch (Exception | Error e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.note(sys.id() + ": stopped: " + error);
        } finally {
            sys.close();
        }
        return new BenchResult.SystemResult(sys.id(), sys.title(), sys.method(), sys.bootsKernel(), null, error, samples);
    }

    /** ./jvmm's JVM options, used when this JVM was not started by ./jvmm (tests, an IDE). */
    /**
     * {@code --density} without N. Measured on the emulating 2-core host with the tickless guest (2026-11-30,
     * docs/benchmarks.md): 8 of each default system took 1.5 min, 50 clones alone 6.5 min under load; 20 keeps a
     * default run to a few minutes there. (8 was the default while an idle guest's 100 Hz tick ran in the emulator.)
     */
    static final int DEFAULT_DENSITY = 20;

    static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
            "--enable-native-access=io.jvmm.core");

    /**
     * The command that starts a cold {@code jvmm}: this JVM's java and its -XX options as ./jvmm gave them
     * (so the child runs as ./jvmm runs it, AOT cache included), this JVM's module path and the jvmm main class.
     */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions(List.of(ProcessHandle.current().info().arguments().orElse(new String[0]))));
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) {
            cmd.addAll(List.of("--module-path", modulePath, "-m", "io.jvmm.cli/io.jvmm.cli.Main"));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jvmm.cli.Main"));
        }
        return cmd;
    }

    /** The -XX and native-access options before the main module or class; the defaults when there are none. */
    static List<String> jvmOptions(List<String> args) {
        List<String> opts = new ArrayList<>();
        for (String a : args) {
            if (a.equals("-m") || a.equals("--module") || a.equals("-jar") || !a.startsWith("-")) {
                break;
            }
            if ((a.startsWith("-XX:") && !a.startsWith("-XX:AOTCacheOutput") && !a.startsWith("-XX:AOTConfiguration")
                    && !a.startsWith("-XX:AOTMode") && !a.startsWith("-XX:StartFlightRecording"))
                    || a.startsWith("--enable-native-access")) {
                opts.add(a);
            }
        }
        return opts.stream().anyMatch(o -> o.startsWith("--enable-native-access")) ? opts : DEFAULT_JVM_OPTIONS;
    }
}
