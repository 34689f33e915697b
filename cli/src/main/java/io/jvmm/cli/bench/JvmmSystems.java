package io.jvmm.cli.bench;

import io.jvmm.cli.Main;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.machine.HelloGuest;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** jvmm itself, cold (a new {@code jvmm run} process per run) and warm (VMs built inside this JVM), and the JVM floor. */
final class JvmmSystems {
    private JvmmSystems() {
    }

    static Path helloBinary(BenchSystem.Setup setup) throws IOException {
        Path p = setup.workDir().resolve("hello-real.bin");
        if (!Files.exists(p)) {
            Files.write(p, HelloGuest.realMode());
        }
        return p;
    }

    /** {@code jvmm run} in a new process per run: the JVM start is part of what is measured. */
    static final class Cold implements BenchSystem {
        private final BenchSystem.Setup setup;
        private final boolean linux;

        Cold(BenchSystem.Setup setup, boolean linux) {
            this.setup = setup;
            this.linux = linux;
        }

        @Override
        public String id() {
            return linux ? "jvmm" : "empty";
        }

        @Override
        public String title() {
            return linux ? "jvmm, cold (new process)" : "empty VM (jvmm, raw hello guest)";
        }

        @Override
        public String method() {
            return "a new `jvmm run` process per run (JVM options as ./jvmm, AOT cache when ./jvmm made one); the child "
                    + "reports its own phase times, CPU state and smaps reading through --timings-json (the time the smaps "
                    + "reading takes is taken off its exit time); "
                    + (linux ? "Linux kernel + initramfs, /init runs the command and powers off" : "a 20-byte real-mode guest prints 'hello' and halts");
        }

        @Override
        public boolean bootsKernel() {
            return linux;
        }

        @Override
        public Sample run(int index, boolean warmup, Progress progress) throws Exception {
            Path timings = setup.workDir().resolve(id() + "-timings-" + index + (warmup ? "w" : "") + ".json");
            Files.deleteIfExists(timings);
            List<String> cmd = new ArrayList<>(setup.javaCommand());
            cmd.add("run");
            if (linux) {
                cmd.addAll(List.of("--kernel", setup.kernel().toString(), "--initrd", setup.initrd().toString(),
                        "--append", setup.appendArg()));
            } else {
                cmd.addAll(List.of("--kernel-format", "raw", "--kernel", helloBinary(setup).toString()));
            }
            cmd.addAll(List.of("--memory", (setup.memoryBytes() >> 10) + "K", "--timings-json", timings.toString(),
                    "--timeout", Long.toString(setup.timeoutSeconds())));
            ChildProcess.Result r = ChildProcess.run(cmd, cgroupName(id(), index), null, setup.timeoutSeconds() + 30, progress);
            Map<String, Double> events = new LinkedHashMap<>();
            Long vmm = null;
            Long guest = null;
            double reportMs = 0;
            if (Files.exists(timings)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> t = BenchJson.parseObject(Files.readString(timings));
                @SuppressWarnings("unchecked")
                Map<String, Object> ev = (Map<String, Object>) t.get("events");
                for (var e : ev.entrySet()) {
                    events.put(e.getKey(), r.epochMs(((Number) e.getValue()).longValue()));
                }
                if (t.get("reportNanos") instanceof Number n) {
                    reportMs = n.doubleValue() / 1e6;
                }
                if (t.get("memory") instanceof Map<?, ?> mem) {
                    vmm = ((Number) mem.get("vmmRssKiB")).longValue();
                    guest = ((Number) mem.get("guestRssKiB")).longValue();
                }
            } else if (r.status() == 0) {
                throw new IllegalStateException("jvmm run wrote no --timings-json file: " + r.stderrTail());
            }
            // Less the child's own smaps reading and first JSON rendering (reportNanos), which a run outside the bench
            // does not do; the second rendering and the write of the small timings file stay counted.
            events.put("exit", r.ms(r.exitNanos()) - reportMs);
            if (r.status() != 0) {
                progress.note(id() + ": jvmm run ended with status " + r.status() + ": " + r.stderrTail());
            }
            return new Sample(index, warmup, events, (double) r.cpuMs(), new Sample.Memory(vmm, guest, r.cgroupPeakKiB()), r.status());
        }
    }

    /** VMs built and booted one after another inside this JVM: what a long-running VMM service pays per VM. */
    static final class Warm implements BenchSystem {
        private final BenchSystem.Setup setup;
        private final boolean linux;
        private Hypervisor hypervisor;
        private boolean primed;

        Warm(BenchSystem.Setup setup, boolean linux) {
            this.setup = setup;
            this.linux = linux;
        }

        @Override
        public String id() {
            return linux ? "jvmm-warm" : "empty-warm";
        }

        @Override
        public String title() {
            return linux ? "jvmm, warm (in process)" : "empty VM, warm (in process)";
        }

        @Override
        public String method() {
            return "Machine.build → start → guest exit → close inside the benchmark's JVM, /dev/kvm kept open, after one "
                    + "unmeasured build of the same VM (built, started paused, closed: loader classes loaded); "
                    + "'VM build' ends when vcpu-0 is set up and enters its first KVM_RUN; phase times come from a "
                    + "machine listener; CPU is this JVM's user+system time over the run; guest memory from this "
                    + "process's smaps when the guest ended";
        }

        @Override
        public boolean bootsKernel() {
            return linux;
        }

        @Override
        public Sample run(int index, boolean warmup, Progress progress) throws Exception {
            if (hypervisor == null) {
                hypervisor = Hypervisor.open();
            }
            MachineSpec.Builder b = linux
                    ? MachineSpec.builder().kernel(setup.kernel()).initrd(setup.initrd()).append(setup.appendArg())
                    : MachineSpec.builder().kernel(helloBinary(setup)).format(MachineSpec.KernelFormat.RAW);
            MachineSpec spec = b.memoryBytes(setup.memoryBytes()).cpuProfile(setup.profile()).build();
            if (!primed) {
                // Linux runs are few (one, no warm-up, on an emulating host: a warm-up would be a whole boot), so
                // without this the one measured build would be the JVM's first of a Linux VM, its loader classes
                // loaded and its code interpreted: a cold build, not a warm one.
                primed = true;
                PerVmMemory.closeAll(List.of(PerVmMemory.paused(hypervisor, spec)));
            }
            BenchTimings timings = BenchTimings.collecting();
            long cpu0 = ProcFs.selfCpuMs();
            long t0 = System.nanoTime();
            MachineExit exit;
            Machine machine = Machine.build(hypervisor, spec, OutputStream.nullOutputStream(), t0);
            try {
                machine.addListener(timings);
                machine.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(setup.timeoutSeconds()).toNanos();
                exit = null;
                while (exit == null && System.nanoTime() - deadline < 0) {
                    exit = machine.awaitExit(Duration.ofSeconds(30));
                    if (exit == null) {
                        progress.still((System.nanoTime() - t0) / 1e9, timings.lastConsoleLine());
                    }
                }
                if (exit == null) {
                    machine.stop(MachineExit.failure("benchmark timeout"));
                    exit = machine.awaitExit(Duration.ofSeconds(10));
                }
            } finally {
                machine.close();
            }
            Map<String, Double> events = timings.eventsMsSince(t0, System.nanoTime());
            ProcFs.MemoryReading mem = timings.memory();
            if (mem == null && exit != null) {
                progress.note(id() + ": no smaps reading");
            }
            int status = exit == null ? -1 : exit.status();
            if (status != 0) {
                progress.note(id() + ": guest ended with " + (exit == null ? "no exit" : exit.reason()));
            }
            return new Sample(index, warmup, events, (double) (ProcFs.selfCpuMs() - cpu0),
                    new Sample.Memory(null, mem == null ? null : mem.guestRssKiB(), null), status);
        }

        @Override
        public void close() {
            if (hypervisor != null) {
                hypervisor.close();
                hypervisor = null;
            }
        }
    }

    /**
     * A new process per run, timed from start to exit: {@code java -version} (the JVM floor), the {@code ffm} floor
     * under the empty VM and {@code jvmm --help}. Each is the launcher's command line changed by {@code command}.
     */
    static final class StartToExit implements BenchSystem {
        private final String id;
        private final String title;
        private final String method;
        private final java.util.function.Supplier<List<String>> command;

        private StartToExit(String id, String title, String method, java.util.function.Supplier<List<String>> command) {
            this.id = id;
            this.title = title;
            this.method = method;
            this.command = command;
        }

        /** {@code java -version} with jvmm's JVM options: the floor under any cold jvmm figure. */
        static StartToExit javaVersion(BenchSystem.Setup setup) {
            return new StartToExit("java", "java -version (JVM floor)",
                    "`java -version` with ./jvmm's JVM options (no AOT cache): the cost of starting and ending a JVM",
                    () -> javaVersionCommand(setup.javaCommand()));
        }

        /**
         * The floor under the empty VM: a new JVM started as {@code jvmm run} is (./jvmm's options, module path and
         * run AOT cache) whose main class is {@link FfmFloor}: jvmm's native gate linked, {@code /dev/kvm} opened, a
         * VM created and closed. What is left between this and the empty VM is jvmm's own start (picocli, logging,
         * the machine, the guest).
         */
        static StartToExit ffmFloor(BenchSystem.Setup setup) {
            return new StartToExit("ffm", "JVM + native link + KVM VM (floor)",
                    "a new JVM per run with ./jvmm's options, module path and run AOT cache, main class "
                            + FfmFloor.class.getName() + ": links jvmm's one downcall stub, opens /dev/kvm, creates and closes "
                            + "a VM (no picocli, logging, devices or guest): start to exit, the least a jvmm VM start can cost",
                    () -> floorCommand(setup.javaCommand()));
        }

        /** {@code jvmm --help} in a new process: the cost of starting the command line itself (JVM, picocli, usage text). */
        static StartToExit help(BenchSystem.Setup setup) {
            return new StartToExit("help", "jvmm --help (cold)",
                    "a new `jvmm --help` process per run, JVM options as ./jvmm gives them to commands that run no VM (C1 "
                            + "alone, " + NO_VM_JIT + ") and ./jvmm's help AOT cache (jvmm-help.aot beside the run cache) when "
                            + "there is one: start to exit",
                    () -> helpCommand(setup.javaCommand()));
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String title() {
            return title;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public boolean bootsKernel() {
            return false;
        }

        @Override
        public Sample run(int index, boolean warmup, Progress progress) throws Exception {
            ChildProcess.Result r = ChildProcess.run(command.get(), cgroupName(id, index), null, 60, progress);
            if (r.status() != 0) {
                progress.note(id + ": exit status " + r.status() + " (" + r.stderrTail().strip() + ")");
            }
            Map<String, Double> events = new LinkedHashMap<>();
            events.put("exit", r.ms(r.exitNanos()));
            return new Sample(index, warmup, events, (double) r.cpuMs(), new Sample.Memory(null, null, r.cgroupPeakKiB()), r.status());
        }
    }

    /** {@code javaCommand} with {@link FfmFloor} in place of jvmm's main class (module path or class path). */
    static List<String> floorCommand(List<String> javaCommand) {
        return withMainClass(javaCommand, FfmFloor.class.getName());
    }

    /** {@code javaCommand} with {@code mainClass} (in jvmm's module) in place of jvmm's main class. */
    static List<String> withMainClass(List<String> javaCommand, String mainClass) {
        List<String> cmd = new ArrayList<>(javaCommand);
        String main = Main.class.getName();
        int last = cmd.size() - 1;
        if (cmd.get(last).equals(main)) {
            cmd.set(last, mainClass);
        } else if (cmd.get(last).endsWith("/" + main)) {
            cmd.set(last, cmd.get(last).substring(0, cmd.get(last).length() - main.length()) + mainClass);
        } else {
            throw new IllegalArgumentException("not a jvmm java command (it does not end with jvmm's main class): " + cmd);
        }
        return cmd;
    }

    /**
     * What ./jvmm adds for the commands that run no VM ({@code --help}, {@code images}, {@code snapshot show}): C1
     * alone. C2 pays only on a VM's exit path; in a start that lasts ~0.1 s its compiler thread took as much CPU as
     * the main thread, on a 2-core host. Measured (docs/benchmarks.md, "Cold start, third round"): --help 212-226 ms
     * → 155-162 ms at load ~8.
     */
    static final String NO_VM_JIT = "-XX:TieredStopAtLevel=1";

    /** The launcher's command for {@code jvmm --help}: the help AOT cache and C1 alone, as ./jvmm starts it. */
    static List<String> helpCommand(List<String> javaCommand) {
        // ./jvmm starts `jvmm --help` with its help cache (trained on `help run`), not the one trained on `run`.
        List<String> cmd = ServeSystem.withCache(javaCommand, "jvmm-help.aot");
        // and, as for every command that runs no VM, with C1 alone (the launcher's NO_VM_JIT).
        cmd.add(1, NO_VM_JIT);
        cmd.add("--help");
        return cmd;
    }

    /** {@code java -version} with the launcher's JVM options, without its AOT cache, module path or main class. */
    static List<String> javaVersionCommand(List<String> javaCommand) {
        List<String> cmd = new ArrayList<>();
        for (String a : javaCommand) {
            if (a.equals("--module-path") || a.equals("-cp")) {
                break;
            }
            if (!a.startsWith("-XX:AOTCache")) {
                cmd.add(a);
            }
        }
        cmd.add("-version");
        return cmd;
    }

    private static final java.util.concurrent.atomic.AtomicInteger SEQUENCE = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * {@code javaCommand} for a {@code jvmm run --restore} child: the launcher's restore AOT cache
     * ({@code jvmm-restore.aot}, trained on a restore) in place of the run cache this JVM was started with, as
     * {@code ./jvmm run --restore} itself picks it; unchanged when there is no such file beside the run cache.
     */
    static List<String> restoreCommand(List<String> javaCommand) {
        List<String> cmd = new ArrayList<>(javaCommand);
        String prefix = "-XX:AOTCache=";
        for (int i = 0; i < cmd.size(); i++) {
            String a = cmd.get(i);
            if (a.startsWith(prefix) && a.endsWith("jvmm.aot")) {
                Path restoreCache = Path.of(a.substring(prefix.length())).resolveSibling("jvmm-restore.aot");
                if (Files.isRegularFile(restoreCache)) {
                    cmd.set(i, prefix + restoreCache);
                }
            }
        }
        return cmd;
    }

    /** A name no other run of this benchmark uses (a cgroup left behind must not carry its peak into another run). */
    static String cgroupName(String system, int index) {
        return "jvmm-bench-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-" + system + "-" + index;
    }
}
