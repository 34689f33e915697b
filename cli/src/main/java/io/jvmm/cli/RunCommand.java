package io.jvmm.cli;

import io.jvmm.boot.BootException;
import io.jvmm.boot.cpu.CpuFeature;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.cli.bench.BenchTimings;
import io.jvmm.cli.console.ConsoleInput;
import io.jvmm.cli.console.TerminalMode;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestMemoryException;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageBuilder;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import io.jvmm.machine.GuestProfile;
import io.jvmm.machine.HostInfo;
import io.jvmm.machine.HostStdin;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.HypervisorException;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;
import io.jvmm.machine.MachineListener;
import io.jvmm.machine.MachineSpecException;
import io.jvmm.machine.RestorableSnapshot;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotFiles;
import io.jvmm.machine.snapshot.StateFile;
import io.jvmm.devices.legacy.BootTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** {@code jvmm run}: boots a guest with its console on this terminal. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a guest with its serial console on this terminal (Ctrl-A x quits).",
                "With no --kernel, boots the default guest image (building it first if needed)."})
final class RunCommand implements Callable<Integer> {
    /**
     * The logger, made on first use: `jvmm --help` builds this command's model without running it, and a logger
     * made at class initialisation would start Logback there (~30 ms of a ~100 ms start).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
    }

    @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel: bzImage, ELF vmlinux, or a flat binary with --kernel-format raw.")
    Path kernel;

    @Option(names = "--kernel-format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto (bzImage or ELF, detected), bzimage, elf, raw. Default: ${DEFAULT-VALUE}.")
    String kernelFormat;

    @Option(names = "--entry", paramLabel = "MODE:ADDR", defaultValue = "real:0x1000",
            description = "For raw kernels: load the file at ADDR and start there, in real mode (real:ADDR) or 64-bit long mode (long:ADDR). Default: ${DEFAULT-VALUE}.")
    String entry;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk (cpio, optionally compressed).")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "TEXT", description = "Kernel command line, replacing the default ('" + MachineSpec.DEFAULT_CMDLINE + "').")
    String cmdline;

    @Option(names = "--append", paramLabel = "TEXT", description = "Appended to the kernel command line, e.g. 'jvmm.cmd=\"uname -a\"'.")
    String append;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "128M", description = "Guest RAM (e.g. 256M, 1G). Default: ${DEFAULT-VALUE}.")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "Number of vCPUs. Default: ${DEFAULT-VALUE}.")
    int cpus;

    @Option(names = "--cpu-clear", paramLabel = "FEATURES", split = ",",
            description = "CPUID features to hide from the guest, e.g. cx16,avx.")
    Set<String> cpuClear = Set.of();

    @Option(names = "--cpu-profile", paramLabel = "PROFILE", defaultValue = "auto",
            description = "auto (detect emulating KVM hosts), hardware, emulating. Default: ${DEFAULT-VALUE}.")
    String cpuProfile;

    @Option(names = "--stats", description = "Print exit statistics and boot time on stderr when the guest ends.")
    boolean stats;

    @Option(names = "--trace-exits", paramLabel = "MODE", arity = "0..1", fallbackValue = "lines",
            description = {"Trace vCPU exits on stderr: 'lines' (the default) prints one line per exit, naming the device, "
                    + "the register and what the access means; 'summary' prints exits by device and register, with counts "
                    + "and handling time, when the guest ends."})
    String traceExits;

    @Option(names = "--disk", paramLabel = "PATH[,ro]",
            description = "A raw disk image as virtio-blk (repeatable; the first is /dev/vda), locked while in use (shared with ,ro). With no --kernel, the default image's root disk is attached first, copy-on-write (see --keep-disk-changes).")
    List<String> disks = List.of();

    @Option(names = "--keep-disk-changes",
            description = "With no --kernel: let the guest write the cached default image's root disk itself. Without it the guest's "
                    + "writes to that disk go to a copy-on-write overlay discarded at exit (a --disk PATH is always written in place).")
    boolean keepDiskChanges;

    @Option(names = "--image", paramLabel = "PROFILE", defaultValue = "minimal",
            description = "With no --kernel: boot the cached guest image of this profile (default: ${DEFAULT-VALUE}; "
                    + "acpi: the minimal kernel built with ACPI, which finds its devices in jvmm's ACPI tables; "
                    + "built first if need be, see jvmm images build --profile).")
    String image;

    @Option(names = "--net", paramLabel = "tap=NAME[,mac=MAC]",
            description = "A virtio-net interface on host TAP NAME (repeatable); jvmm creates the TAP when run as root and it does not exist.")
    List<String> nets = List.of();

    @Option(names = "--rng", description = "A virtio-rng device fed from the host's SecureRandom.")
    boolean rng;

    @Option(names = "--acpi", paramLabel = "on|off", defaultValue = "on",
            description = {"ACPI tables for a Linux guest (default: ${DEFAULT-VALUE}): the devices in a DSDT, the CPUs in a MADT, "
                    + "poweroff and reboot through the FADT's registers. A vmlinux whose symbols show ACPI then gets no MP "
                    + "table and no virtio_mmio.device= words; any other kernel gets them too. 'off': MP table and words only."})
    String acpi;

    @Option(names = "--profile-guest", paramLabel = "MS", arity = "0..1", fallbackValue = "10",
            description = "Sample each vCPU's RIP every MS milliseconds (default 10) and print the top kernel functions on exit.")
    Integer profileIntervalMs;

    @Option(names = "--system-map", paramLabel = "FILE",
            description = "System.map naming the functions in --profile-guest (default: System.map beside the kernel).")
    Path systemMap;

    @Option(names = "--no-seccomp", description = "Do not install the seccomp filter that refuses execve, fork, ptrace, mount and "
            + "other calls a running VMM never makes (see docs/security.md).")
    boolean noSeccomp;

    @Option(names = "--kvm-device", paramLabel = "PATH", defaultValue = Hypervisor.DEV_KVM, hidden = true,
            description = "The KVM device (for tests of the error paths).")
    String kvmDevice;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "Stop the guest after this many seconds (0: never).")
    long timeoutSeconds;

    @Option(names = "--snapshot-at", paramLabel = "WHEN",
            description = "Take a snapshot into --snapshot-dir: 'ready' = when the guest has signalled it has booted (the boot timer) "
                    + "and its console has then printed and been quiet for 0.3 s (the default image's shell is at its prompt; at most 3 s).")
    String snapshotAt;

    @Option(names = "--snapshot-dir", paramLabel = "DIR",
            description = "Where --snapshot-at, and Ctrl-A s on the console, write the snapshot (state.json, memory.bin, disk overlays).")
    Path snapshotDir;

    @Option(names = "--exit-after-snapshot", description = "With --snapshot-at: stop the guest once the snapshot is written.")
    boolean exitAfterSnapshot;

    @Option(names = "--restore", paramLabel = "DIR",
            description = "Resume the snapshot in DIR (taken with --snapshot-at) instead of booting; kernel options do not apply. "
                    + "--disk PATH and --net tap=NAME replace the snapshot's disks and TAPs, in order (clones need their own).")
    Path restoreDir;

    @Option(names = "--config-file", paramLabel = "FILE",
            description = "Boot the VM a Firecracker config file describes (JSON keyed boot-source, drives, machine-config, "
                    + "network-interfaces, entropy, logger, metrics), as 'jvmm serve --no-api --config-file' does; "
                    + "no kernel, device or machine options with it.")
    Path configFile;

    /** The options that may go with --config-file: they shape how jvmm runs, not the machine. */
    private static final Set<String> WITH_CONFIG_FILE = Set.of("--config-file", "--stats", "--timeout", "--kvm-device",
            "--no-seccomp");

    @Spec
    CommandSpec commandSpec;

    // jvmm bench: the child reports its phase times and memory through the bench's machine listener.
    @Option(names = "--timings-json", paramLabel = "FILE", hidden = true)
    Path timingsJson;

    @Override
    public Integer call() throws Exception {
        long processStart = ProcessStart.nanos();
        if (configFile != null) {
            return runConfigFile(processStart);
        }
        checkSnapshotOptions();
        if (restoreDir != null) {
            return restore(processStart);
        }
        MachineSpec spec = spec();
        if (snapshotDir != null) {
            // Load the JSON code while the guest boots, not when the snapshot is due (hundreds of ms in a cold JVM).
            Thread.ofPlatform().name("snapshot-warm-up").daemon(true).start(StateFile::warmUp);
        }
        try (Hypervisor hypervisor = openHypervisor(kvmDevice)) {
            OutputStream consoleOut = new FileOutputStream(FileDescriptor.out);
            Machine machine;
            try {
                machine = Machine.build(hypervisor, spec, consoleOut, processStart);
            } catch (MachineSpecException e) {
                throw new UserError(e.getMessage());
            } catch (BootException | IllegalArgumentException | GuestMemoryException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            try (machine) {
                if (timingsJson != null) {
                    machine.addListener(BenchTimings.writingTo(timingsJson));
                }
                if (snapshotAt != null) {
                    machine.addListener(snapshotWhenReady(machine));
                }
                GuestProfile profile = profileIntervalMs != null
                        ? machine.enableProfiling(Duration.ofMillis(Math.max(1, profileIntervalMs))) : null;
                int status = runToEnd(machine);
                if (profile != null) {
                    System.err.print(profile.report(loadSystemMap(spec), 30));
                }
                return status;
            }
        }
    }

    /**
     * {@code --config-file}: the file describes the whole machine (the same parsing and checks as
     * {@code jvmm serve --config-file}, in io.jvmm.cli.api, which a plain {@code jvmm run} never loads).
     */
    private int runConfigFile(long processStart) throws InterruptedException {
        if (commandSpec != null) {
            for (var o : commandSpec.commandLine().getParseResult().matchedOptions()) {
                if (!WITH_CONFIG_FILE.contains(o.longestName())) {
                    throw new UserError("--config-file describes the whole VM: " + o.longestName()
                            + " cannot be combined with it (only --stats, --timeout and --no-seccomp can)");
                }
            }
        }
        try (io.jvmm.cli.api.ConfigFileVm vm = io.jvmm.cli.api.ConfigFileVm.build(configFile, kvmDevice,
                new FileOutputStream(FileDescriptor.out), processStart)) {
            return runToEnd(vm.machine());
        }
    }

    private void checkSnapshotOptions() {
        if (snapshotAt != null && !snapshotAt.equals("ready")) {
            throw new UserError("--snapshot-at must be 'ready' (when the guest has booted), got '" + snapshotAt + "'");
        }
        if (snapshotAt != null && snapshotDir == null) {
            throw new UserError("--snapshot-at needs --snapshot-dir DIR");
        }
        if (snapshotAt == null && exitAfterSnapshot) {
            throw new UserError("--exit-after-snapshot goes with --snapshot-at ready");
        }
        if (restoreDir != null && (snapshotAt != null || kernel != null || initrd != null || rng || cmdline != null
                || append != null || keepDiskChanges)) {
            throw new UserError("--restore resumes the snapshot's own machine: it takes no kernel, --rng or --snapshot-at"
                    + " options (--disk PATH and --net tap=NAME replace the snapshot's disks and TAPs, in order)");
        }
    }

    /** How long the console must have been quiet, after printing something since the boot timer fired. */
    static final Duration READY_QUIET = Duration.ofMillis(300);
    /** The longest --snapshot-at ready waits after the timer fired (for a guest that prints nothing more). */
    static final Duration READY_MAX_WAIT = Duration.ofSeconds(3);

    /**
     * Snapshots once the guest is ready for input: its boot timer fired (the default image's shell signals
     * it from its start-up script, just before its first prompt), then the console printed something (the
     * prompt) and has been quiet for {@link #READY_QUIET} since — so a restore resumes at the prompt rather
     * than in the signalling process's exit, which takes the emulated kernel of some hosts a second. A guest
     * that prints nothing after its signal is snapshotted {@link #READY_MAX_WAIT} after it. On a thread of
     * its own (the timer fires on a vCPU's).
     */
    private MachineListener snapshotWhenReady(Machine machine) {
        java.util.concurrent.atomic.AtomicLong lastOutput = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
        return new MachineListener() {
            @Override
            public void consoleOutput(byte[] data, int offset, int length) {
                lastOutput.set(System.nanoTime());
            }

            @Override
            public void bootTimerFired(BootTimer.BootTime time) {
                long fired = System.nanoTime();
                Thread.ofPlatform().name("snapshot-wait").daemon(true).start(() -> {
                    try {
                        while (true) {
                            long now = System.nanoTime();
                            long last = lastOutput.get();
                            boolean printedThenQuiet = last != Long.MIN_VALUE && last - fired > 0
                                    && now - last >= READY_QUIET.toNanos();
                            if (printedThenQuiet || now - fired >= READY_MAX_WAIT.toNanos()) {
                                break;
                            }
                            Thread.sleep(20);
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    snapshotInBackground(machine, exitAfterSnapshot);
                });
            }
        };
    }

    private final java.util.concurrent.atomic.AtomicBoolean snapshotting = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Snapshots into --snapshot-dir on a thread of its own, then resumes the guest or, with {@code stopAfter},
     * stops it; one at a time (a request while one is taken is answered on stderr). A failure stops the
     * machine when it was to stop anyway, else it is reported and the guest goes on.
     */
    private void snapshotInBackground(Machine machine, boolean stopAfter) {
        if (!snapshotting.compareAndSet(false, true)) {
            System.err.print("\r\njvmm: a snapshot is being taken already\r\n");
            return;
        }
        Thread.ofPlatform().name("snapshot").daemon(true).start(() -> {
            try {
                Machine.SnapshotResult r = machine.snapshot(snapshotDir, !stopAfter);
                System.err.printf("\r\njvmm: snapshot in %s (%.1f ms; memory file %d MiB, %d MiB of it data; pause %.1f ms,"
                                + " vCPU and VM state %.1f ms, memory %.1f ms, devices and state file %.1f ms)\r\n",
                        r.dir(), r.total().toNanos() / 1e6, r.memoryBytes() >> 20, r.memoryDataBytes() >> 20,
                        r.pause().toNanos() / 1e6, r.state().toNanos() / 1e6, r.memory().toNanos() / 1e6,
                        (r.total().minus(r.pause()).minus(r.state()).minus(r.memory())).toNanos() / 1e6);
                if (stopAfter) {
                    machine.stop(MachineExit.ok("snapshot taken (--exit-after-snapshot)"));
                }
            } catch (IOException | RuntimeException e) {
                if (stopAfter) {
                    machine.stop(MachineExit.failure("snapshot into " + snapshotDir + " failed: " + e.getMessage(), e));
                } else {
                    System.err.print("\r\njvmm: snapshot into " + snapshotDir + " failed: " + e.getMessage() + "\r\n");
                }
            } finally {
                snapshotting.set(false);
            }
        });
    }

    /** Ctrl-A s on the console. */
    private void snapshotFromConsole(Machine machine) {
        if (snapshotDir == null) {
            System.err.print("\r\njvmm: Ctrl-A s takes a snapshot into --snapshot-dir DIR; this jvmm was started without it\r\n");
            return;
        }
        snapshotInBackground(machine, false);
    }

    private int restore(long processStart) throws InterruptedException {
        // The state file and its device records are read and checked on a second thread while this one opens
        // KVM, and Jackson's record binding of the device records is built on a third (docs/snapshots.md,
        // "Speed"): in a new process each is mostly interpreted code, and they overlap on the host's cores.
        SnapshotFiles files = SnapshotFiles.in(restoreDir);
        Thread.ofPlatform().name("snapshot-warm-up").daemon(true).start(StateFile::warmUpRestore);
        FutureTask<RestorableSnapshot> stateRead = new FutureTask<>(() -> RestorableSnapshot.read(files));
        Thread.ofPlatform().name("snapshot-read").daemon(true).start(stateRead);
        long t0 = System.nanoTime();
        try (Hypervisor hypervisor = openHypervisor(kvmDevice)) {
            Machine machine;
            try {
                long opened = System.nanoTime();
                RestorableSnapshot snapshot = readState(stateRead);
                Log.LOG.debug("restore: /dev/kvm opened in {} µs, then waited {} µs for the state file's reading",
                        (opened - t0) / 1000, (System.nanoTime() - opened) / 1000);
                machine = Machine.restore(hypervisor, snapshot, restoreOptions(),
                        new FileOutputStream(FileDescriptor.out), processStart);
            } catch (SnapshotException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            try (machine) {
                if (timingsJson != null) {
                    machine.addListener(BenchTimings.writingTo(timingsJson));
                }
                GuestProfile profile = profileIntervalMs != null
                        ? machine.enableProfiling(Duration.ofMillis(Math.max(1, profileIntervalMs))) : null;
                int status = runToEnd(machine);
                if (profile != null) {
                    // The snapshot does not name its kernel's symbols: --system-map, else the default image's.
                    Path map = systemMap != null ? systemMap : io.jvmm.images.GuestImages.current(
                            io.jvmm.images.GuestImages.defaultCacheRoot()).map(i -> i.systemMap()).orElse(null);
                    System.err.print(profile.report(map != null ? loadSystemMap(map) : null, 30));
                }
                return status;
            }
        }
    }

    /**
     * With --restore: {@code --disk PATH} replaces the path of the snapshot's disks in order (their mode —
     * read-only, written, copy-on-write — is the snapshot's: ",ro" is refused), {@code --net tap=NAME} their TAPs.
     */
    private RestoreOptions restoreOptions() {
        List<Path> diskPaths = new ArrayList<>();
        for (String d : disks) {
            if (d.contains(",")) {
                throw new UserError("--disk " + d + ": with --restore a disk keeps the snapshot's mode; give only its PATH");
            }
            diskPaths.add(SpecOptions.disk(d).path());
        }
        List<String> taps = new ArrayList<>();
        for (String n : nets) {
            MachineSpec.NetSpec net = SpecOptions.net(n);
            if (net.mac() != null) {
                throw new UserError("--net " + n + ": with --restore the interface keeps the snapshot's MAC; give only tap=NAME");
            }
            taps.add(net.tap());
        }
        return new RestoreOptions(diskPaths, taps);
    }

    private int runToEnd(Machine machine) throws InterruptedException {
        boolean tty = HostInfo.stdinIsTerminal();
        TerminalMode terminal = tty ? TerminalMode.enterRaw() : null;
        try {
            // Unbuffered fd 0 (not System.in, which reads ahead): what the guest never took stays in a pipe; stopping
            // the input wakes its reader, so no thread is left blocked in read(2) when the process exits.
            var serial = machine.serial();
            ConsoleInput input = new ConsoleInput(HostStdin.open(), serial::offerInput,
                    serial::inputSpace, terminal != null,
                    () -> machine.stop(MachineExit.ok("quit from the console (Ctrl-A x)")),
                    () -> snapshotFromConsole(machine));
            serial.onInputSpace(input::guestCanTakeMore);
            machine.addInput(input::stop); // the first thing the machine's teardown stops
            input.start();
            try {
                VmmSeccomp.install(noSeccomp);
            } catch (IllegalStateException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            machine.start();
            MachineExit exit = machine.awaitExit(timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : Duration.ofDays(3650));
            if (exit == null) {
                machine.stop(MachineExit.failure("guest still running after --timeout " + timeoutSeconds + " s; stopped"));
                exit = machine.awaitExit(Duration.ofSeconds(10));
            }
            input.stop();
            if (terminal != null) {
                terminal.close();
                terminal = null;
            }
            if (stats) {
                if (exit != null) {
                    System.err.println("guest ended: " + exit.reason());
                }
                System.err.print(machine.statsReport());
                System.err.flush();
            }
            machine.exitTraceSummary().ifPresent(s -> {
                System.err.print(s);
                System.err.flush();
            });
            if (exit == null) {
                System.err.println("jvmm: the guest did not stop");
                return ErrorHandler.EXIT_FAILURE;
            }
            if (!exit.success()) {
                ErrorHandler.report(new java.io.PrintWriter(System.err, true),
                        exit.cause() != null && Logging.verbosity() >= 2 ? new RuntimeException(exit.reason(), exit.cause())
                                : new RuntimeException(exit.reason()));
            } else {
                Log.LOG.info("guest ended: {}", exit.reason());
            }
            return exit.status();
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
    }

    private io.jvmm.boot.SystemMap loadSystemMap(MachineSpec spec) {
        return loadSystemMap(systemMap != null ? systemMap : spec.kernel().resolveSibling("System.map"));
    }

    private static io.jvmm.boot.SystemMap loadSystemMap(Path map) {
        try {
            return Files.isReadable(map) ? io.jvmm.boot.SystemMap.read(map) : null;
        } catch (IOException e) {
            Log.LOG.warn("cannot read {}: {}", map, e.getMessage());
            return null;
        }
    }

    /** The machine the options ask for; option syntax errors in the options' words, the rest the spec's. */
    MachineSpec spec() {
        if (profileIntervalMs != null && profileIntervalMs < 1) {
            throw new UserError("--profile-guest interval must be at least 1 ms, got " + profileIntervalMs);
        }
        MachineSpec.Builder b = MachineSpec.builder()
                .format(SpecOptions.kernelFormat(kernelFormat))
                .rawEntry(SpecOptions.entry(entry))
                .memoryBytes(Sizes.parse(memory, "--memory"))
                .cpus(cpus)
                .cpuClear(cpuFeatures())
                .cpuProfile(profile())
                .exitTrace(exitTraceMode())
                .rng(rng)
                .acpi(SpecOptions.onOff(acpi, "--acpi"));
        if (cmdline != null) {
            b.cmdline(cmdline);
        }
        if (snapshotAt != null || snapshotDir != null) {
            // A restore can set kvm-clock (KVM_SET_CLOCK) but not the guest TSC on every host: a guest on the TSC
            // clocksource sees its clock jump by the time since the snapshot and, with a periodic tick, runs every
            // missed tick (seconds per minute of snapshot age on emulating hosts). See docs/snapshots.md.
            b.append("clocksource=kvm-clock");
        }
        b.append(append);
        for (String d : disks) {
            b.disk(SpecOptions.disk(d));
        }
        for (String n : nets) {
            b.net(SpecOptions.net(n));
        }
        Path k = kernel;
        Path rd = initrd;
        if (k == null) {
            // The default guest: the minimal image's ELF vmlinux (PVH entry: no emulated decompressor)
            // and its initramfs; built on first use. Every other value is checked before that build.
            try {
                b.build();
            } catch (MachineSpecException e) {
                if (!e.field().equals("kernel")) {
                    throw new UserError(e.getMessage());
                }
            }
            ImageSet set = defaultImage(imageProfile());
            k = set.vmlinux();
            rd = rd != null ? rd : set.initramfs();
            if (systemMap == null) {
                systemMap = set.systemMap();
            }
            // The default guest's root disk is /dev/vda (its /payload is what the disk tests read). The
            // cached file must keep matching its manifest: the guest writes to an overlay unless asked.
            b.firstDisk(new MachineSpec.DiskSpec(set.rootfs(), false, !keepDiskChanges));
        } else if (!image.equals("minimal")) {
            throw new UserError("--image boots a cached guest image; it does not go with --kernel");
        } else if (keepDiskChanges) {
            throw new UserError("--keep-disk-changes applies to the default image's root disk (no --kernel); "
                    + "a --disk PATH is always written in place");
        }
        b.kernel(k).initrd(rd);
        if (systemMap != null) {
            checkFile(systemMap, "--system-map");
        }
        try {
            return b.build();
        } catch (MachineSpecException e) {
            throw new UserError(e.getMessage());
        }
    }

    private MachineSpec.ExitTraceMode exitTraceMode() {
        if (traceExits == null) {
            return MachineSpec.ExitTraceMode.OFF;
        }
        return switch (traceExits) {
            case "lines" -> MachineSpec.ExitTraceMode.LINES;
            case "summary" -> MachineSpec.ExitTraceMode.SUMMARY;
            default -> throw new UserError("--trace-exits must be lines or summary, got '" + traceExits + "'");
        };
    }

    private Set<CpuFeature> cpuFeatures() {
        Set<CpuFeature> clear = EnumSet.noneOf(CpuFeature.class);
        for (String name : cpuClear) {
            try {
                clear.add(CpuFeature.byName(name));
            } catch (RuntimeException e) {
                throw new UserError("--cpu-clear: " + e.getMessage());
            }
        }
        return clear;
    }

    /** The --image profile; checked before anything is built. */
    private Profile imageProfile() {
        try {
            return Profile.fromId(image);
        } catch (IllegalArgumentException e) {
            throw new UserError("--image: " + e.getMessage());
        }
    }

    private static ImageSet defaultImage(Profile profile) {
        Path root = GuestImages.defaultCacheRoot();
        return GuestImages.current(root, profile).orElseGet(() -> {
            System.err.println("jvmm: no " + profile.id() + " guest image in " + root + " yet; building it (about 10 minutes) ...");
            try {
                return ImageBuilder.build(profile, root, false, line -> System.err.println("[images] " + line));
            } catch (ImageBuildException e) {
                throw new UserError("building the default guest image failed: " + e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
        });
    }

    /** The --cpu-profile asked for; null for auto (the spec detects the host's). */
    private CpuProfile profile() {
        return switch (cpuProfile) {
            case "auto" -> null;
            case "hardware" -> CpuProfile.HARDWARE;
            case "emulating" -> CpuProfile.emulatingHost("--cpu-profile emulating");
            default -> throw new UserError("--cpu-profile must be auto, hardware or emulating, got '" + cpuProfile + "'");
        };
    }

    private static void checkFile(Path p, String option) {
        if (!Files.exists(p)) {
            throw new UserError(option + " " + p + ": no such file");
        }
        if (!Files.isRegularFile(p)) {
            throw new UserError(option + " " + p + ": not a regular file");
        }
        if (!Files.isReadable(p)) {
            throw new UserError(option + " " + p + ": permission denied");
        }
    }

    /** The state {@code read} read, or its SnapshotException (any other failure is the program's and rethrown). */
    private static RestorableSnapshot readState(FutureTask<RestorableSnapshot> read) throws InterruptedException {
        try {
            return read.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("reading the snapshot's state failed", e.getCause());
        }
    }

    private static Hypervisor openHypervisor(String device) {
        try {
            return Hypervisor.open(device);
        } catch (HypervisorException e) {
            throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
        }
    }
}
