package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code crun run} or {@code runc run} of the guest image's OCI bundle, running the same /init and command
 * as the VM, from process start to exit. Each run gets a copy of config.json with the command in
 * {@code JVMM_CMD}, the absolute root path (runc refuses symlinks), and {@code linux.cgroupsPath} below the
 * run's memory cgroup, so the cgroup's peak covers runtime and container.
 */
final class ContainerSystem implements BenchSystem {
    private static final Path UNIFIED_CONTROLLERS = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");

    private final BenchSystem.Setup setup;
    private final String runtime;
    private final Path binary;

    ContainerSystem(BenchSystem.Setup setup, String runtime) {
        this.setup = setup;
        this.runtime = runtime;
        this.binary = Tools.which(runtime);
    }

    @Override
    public String id() {
        return runtime;
    }

    @Override
    public String title() {
        return runtime + " run (container)";
    }

    @Override
    public String method() {
        String m = "`" + runtime + " run` of the image's OCI bundle (same /init, JVMM_CMD set to the command), in its own"
                + " memory cgroup; ready = the '" + ConsoleMarkers.READY_LINE + "' line on stdout";
        return hybridWorkaround() ? m + "; crun runs in a private mount namespace with an empty "
                + UNIFIED_CONTROLLERS + " bind-mounted over the real one (crun 1.8 refuses cgroup hybrid mode when "
                + "cgroup v2 has any controller)" : m;
    }

    @Override
    public boolean bootsKernel() {
        return false;
    }

    @Override
    public String unavailable() {
        if (binary == null) {
            return runtime + " is not installed (Debian: apt-get install -y " + runtime + ")";
        }
        if (!Files.isRegularFile(setup.bundle().resolve("config.json"))) {
            return "no OCI bundle at " + setup.bundle();
        }
        return null;
    }

    /** crun 1.8 exits with "cgroups in hybrid mode not supported" when cgroup v2 has controllers in hybrid mode. */
    private boolean hybridWorkaround() {
        try {
            return runtime.equals("crun") && Files.isDirectory(Path.of("/sys/fs/cgroup/memory"))
                    && Files.exists(UNIFIED_CONTROLLERS) && !Files.readString(UNIFIED_CONTROLLERS).isBlank()
                    && Tools.which("unshare") != null;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Sample run(int index, boolean warmup, Progress progress) throws Exception {
        String id = JvmmSystems.cgroupName(runtime, index);
        StringBuilder why = new StringBuilder();
        try (MemoryCgroup cg = MemoryCgroup.create(id, why)) {
            List<String> cmd = command(id, setup.command(), cg);
            ChildProcess.Result r = ChildProcess.run(cmd, cg, why.toString(), null, setup.timeoutSeconds(), progress);
            if (r.status() != 0) {
                progress.note(runtime + " run ended with status " + r.status() + ": " + r.stderrTail());
                new ProcessBuilder(binary.toString(), "delete", "-f", id).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
            Map<String, Double> events = new LinkedHashMap<>();
            if (r.console().readyNanos() >= 0) {
                events.put("init-ready", r.ms(r.console().readyNanos()));
            }
            events.put("exit", r.ms(r.exitNanos()));
            return new Sample(index, warmup, events, (double) r.cpuMs(), new Sample.Memory(null, null, r.cgroupPeakKiB()), r.status());
        }
    }

    private final List<String> started = new ArrayList<>();

    /**
     * The command line that runs container {@code id} with /init running {@code jvmmCmd}, from a copy of the
     * bundle's config.json in the work directory; below {@code cg} when not null.
     */
    List<String> command(String id, String jvmmCmd, MemoryCgroup cg) throws IOException {
        Path bundleCopy = Files.createDirectories(setup.workDir().resolve("bundle-" + id));
        Files.writeString(bundleCopy.resolve("config.json"), config(cg != null ? cg.childPath("ctr") : null, jvmmCmd));
        started.add(id);
        String run = binary + " run -b " + bundleCopy + " " + id;
        if (hybridWorkaround()) {
            return List.of("unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                    "mount --bind /dev/null " + UNIFIED_CONTROLLERS + " && exec " + run);
        }
        return List.of(binary.toString(), "run", "-b", bundleCopy.toString(), id);
    }

    /** {@code RUNTIME delete -f} of every container this object started (those already gone: a harmless error). */
    void deleteAll() throws IOException, InterruptedException {
        for (String id : started) {
            new ProcessBuilder(binary.toString(), "delete", "-f", id).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        started.clear();
    }

    /** The bundle's config.json with the command for /init, an absolute root and the cgroup path. */
    @SuppressWarnings("unchecked")
    String config(String cgroupsPath, String jvmmCmd) throws IOException {
        Map<String, Object> c = BenchJson.parseObject(Files.readString(setup.bundle().resolve("config.json")));
        Map<String, Object> root = (Map<String, Object>) c.get("root");
        root.put("path", setup.bundle().resolve(String.valueOf(root.get("path"))).toRealPath().toString());
        Map<String, Object> process = (Map<String, Object>) c.get("process");
        List<Object> env = new ArrayList<>((List<Object>) process.getOrDefault("env", List.of()));
        env.removeIf(e -> String.valueOf(e).startsWith("JVMM_CMD="));
        env.add("JVMM_CMD=" + jvmmCmd);
        process.put("env", env);
        if (cgroupsPath != null) {
            ((Map<String, Object>) c.computeIfAbsent("linux", k -> new LinkedHashMap<>())).put("cgroupsPath", cgroupsPath);
        }
        return BenchJson.write(c);
    }
}
