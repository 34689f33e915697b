package io.jvmm.cli;

import io.jvmm.boot.BootException;
import io.jvmm.boot.cpu.CpuFeature;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.cli.console.ConsoleInput;
import io.jvmm.cli.console.TerminalMode;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmException;
import io.jvmm.core.kvm.KvmIoctls;
import io.jvmm.core.memory.GuestMemoryException;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.SysCallException;
import io.jvmm.core.vm.MachineExit;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageBuilder;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code jvmm run}: boots a guest with its console on this terminal. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a guest with its serial console on this terminal (Ctrl-A x quits).",
                "With no --kernel, boots the default guest image (building it first if needed)."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
    static final String DEFAULT_CMDLINE = "console=ttyS0 reboot=k panic=1";
    /** Minimum RAM: a raw guest needs little, the Linux loader checks its own minimum. */
    static final long MIN_MEMORY = 1L << 20;
    /** More vCPUs than the MP table and our APIC ID scheme describe (8-bit APIC IDs, IOAPIC id = N). */
    static final int MAX_CPUS = 254;

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

    @Option(names = "--cmdline", paramLabel = "TEXT", description = "Kernel command line, replacing the default ('" + DEFAULT_CMDLINE + "').")
    String cmdline;

    @Option(names = "--append", paramLabel = "TEXT", description = "Appended to the kernel command line, e.g. 'jvmm.cmd=\"uname -a\"'.")
    String append;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "256M", description = "Guest RAM (e.g. 256M, 1G). Default: ${DEFAULT-VALUE}.")
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

    @Option(names = "--trace-exits", description = "Print one line per vCPU exit on stderr (vCPU, kind, port/address, data).")
    boolean traceExits;

    @Option(names = "--disk", paramLabel = "PATH[,ro]",
            description = "A raw disk image as virtio-blk (repeatable; the first is /dev/vda), locked while in use (shared with ,ro). With no --kernel, the default image's root disk is attached first, copy-on-write (see --keep-disk-changes).")
    List<String> disks = List.of();

    @Option(names = "--keep-disk-changes",
            description = "With no --kernel: let the guest write the cached default image's root disk itself. Without it the guest's "
                    + "writes to that disk go to a copy-on-write overlay discarded at exit (a --disk PATH is always written in place).")
    boolean keepDiskChanges;

    @Option(names = "--net", paramLabel = "tap=NAME[,mac=MAC]",
            description = "A virtio-net interface on host TAP NAME (repeatable); jvmm creates the TAP when run as root and it does not exist.")
    List<String> nets = List.of();

    @Option(names = "--rng", description = "A virtio-rng device fed from the host's SecureRandom.")
    boolean rng;

    @Option(names = "--profile-guest", paramLabel = "MS", arity = "0..1", fallbackValue = "10",
            description = "Sample each vCPU's RIP every MS milliseconds (default 10) and print the top kernel functions on exit.")
    Integer profileIntervalMs;

    @Option(names = "--system-map", paramLabel = "FILE",
            description = "System.map naming the functions in --profile-guest (default: System.map beside the kernel).")
    Path systemMap;

    @Option(names = "--kvm-device", paramLabel = "PATH", defaultValue = Kvm.DEV_KVM, hidden = true,
            description = "The KVM device (for tests of the error paths).")
    String kvmDevice;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "Stop the guest after this many seconds (0: never).")
    long timeoutSeconds;

    // jvmm bench: the child reports its phase times and memory (io.jvmm.cli.bench.BenchTimings).
    @Option(names = "--timings-json", paramLabel = "FILE", hidden = true)
    Path timingsJson;

    @Override
    public Integer call() throws Exception {
        long processStart = ProcessStart.nanos();
        MachineSpec spec = spec();
        CpuProfile profile = profile();
        try (Kvm kvm = openKvm(kvmDevice)) {
            int maxVcpus = kvm.checkExtension(KvmIoctls.KVM_CAP_MAX_VCPUS);
            if (maxVcpus > 0 && spec.cpus() > maxVcpus) {
                throw new UserError("--cpus " + spec.cpus() + ": this host's KVM allows at most " + maxVcpus);
            }
            boolean profileApplies = spec.format() != MachineSpec.KernelFormat.RAW && !profile.cmdlineAdditions().isEmpty();
            if (profileApplies) {
                spec = spec.withCmdline(spec.cmdline() + " " + profile.cmdlineAdditions());
            }
            io.jvmm.cli.bench.BenchTimings timings = io.jvmm.cli.bench.BenchTimings.start(timingsJson); // bench hook
            OutputStream consoleOut = timings.watch(new FileOutputStream(FileDescriptor.out));
            Machine machine;
            try {
                machine = Machine.build(kvm, spec, consoleOut, processStart, profile);
            } catch (BootException | IllegalArgumentException | GuestMemoryException e) {
                throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
            if (profileApplies) {
                LOG.warn(profile.description()); // once the kernel loaded: the profile is then in effect
            }
            try (machine) {
                io.jvmm.core.vm.RipSamples samples = profileIntervalMs != null
                        ? machine.vm().enableProfiling(Duration.ofMillis(Math.max(1, profileIntervalMs))) : null;
                int status = runToEnd(machine);
                timings.finish(machine, status); // bench hook
                if (samples != null) {
                    System.err.print(io.jvmm.machine.GuestProfileReport.format(samples.snapshot(), loadSystemMap(spec), 30));
                }
                return status;
            }
        }
    }

    private int runToEnd(Machine machine) throws InterruptedException {
        boolean tty = Sys.isatty(0);
        TerminalMode terminal = tty ? TerminalMode.enterRaw() : null;
        try {
            // Unbuffered fd 0 (not System.in, which reads ahead): what the guest never took stays in a pipe.
            var serial = machine.serial();
            ConsoleInput input = new ConsoleInput(new FileInputStream(FileDescriptor.in), serial::offerInput,
                    serial::inputSpace, terminal != null,
                    () -> machine.stop(MachineExit.ok("quit from the console (Ctrl-A x)")));
            serial.onInputSpace(input::guestCanTakeMore);
            machine.addInput(input::stop); // the first thing the machine's teardown stops
            input.start();
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
                printStats(machine);
            }
            if (exit == null) {
                System.err.println("jvmm: the guest did not stop");
                return ErrorHandler.EXIT_FAILURE;
            }
            if (!exit.success()) {
                ErrorHandler.report(new java.io.PrintWriter(System.err, true),
                        exit.cause() != null && Logging.verbosity() >= 2 ? new RuntimeException(exit.reason(), exit.cause())
                                : new RuntimeException(exit.reason()));
            } else {
                LOG.info("guest ended: {}", exit.reason());
            }
            return exit.status();
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
    }

    private io.jvmm.boot.SystemMap loadSystemMap(MachineSpec spec) {
        Path map = systemMap != null ? systemMap : spec.kernel().resolveSibling("System.map");
        try {
            return Files.isReadable(map) ? io.jvmm.boot.SystemMap.read(map) : null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", map, e.getMessage());
            return null;
        }
    }

    private static void printStats(Machine machine) {
        StringBuilder sb = new StringBuilder();
        long firstExit = machine.stats().firstExitNanos();
        if (firstExit != 0) {
            sb.append(String.format("first guest exit (guest running, e.g. kernel entry): %.1f ms after the first KVM_RUN, "
                    + "VM build took %.1f ms%n", (firstExit - machine.firstRunNanos()) / 1e6,
                    (machine.firstRunNanos() - machine.buildStartNanos()) / 1e6));
        }
        machine.bootTime().ifPresentOrElse(
                t -> sb.append(String.format("boot time: %.1f ms since process start, %.1f ms since VM build start%n",
                        t.sinceProcessStart().toNanos() / 1e6, t.sinceBuildStart().toNanos() / 1e6)),
                () -> sb.append("boot time: the guest did not signal boot completion\n"));
        sb.append(machine.stats().format());
        String virtio = machine.virtioCounters();
        if (!virtio.isEmpty()) {
            sb.append("virtio:\n").append(virtio);
        }
        System.err.print(sb);
        System.err.flush();
    }

    MachineSpec spec() {
        MachineSpec.KernelFormat format = switch (kernelFormat) {
            case "auto" -> MachineSpec.KernelFormat.AUTO;
            case "bzimage" -> MachineSpec.KernelFormat.BZIMAGE;
            case "elf" -> MachineSpec.KernelFormat.ELF;
            case "raw" -> MachineSpec.KernelFormat.RAW;
            default -> throw new UserError("--kernel-format must be auto, bzimage, elf or raw, got '" + kernelFormat + "'");
        };
        long mem = Sizes.parse(memory, "--memory");
        if (mem < MIN_MEMORY) {
            throw new UserError("--memory " + memory + " is too small: at least 1M");
        }
        long hostRam = HostInfo.memTotalBytes();
        if (hostRam > 0 && mem > hostRam) {
            throw new UserError("--memory " + memory + " is more than this host's RAM (" + Sizes.format(hostRam) + ")");
        }
        if (mem % 4096 != 0) {
            throw new UserError("--memory " + memory + " must be a multiple of 4K");
        }
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new UserError("--cpus must be between 1 and " + MAX_CPUS + ", got " + cpus);
        }
        MachineSpec.RawEntry rawEntry;
        try {
            rawEntry = MachineSpec.RawEntry.parse(entry);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Set<CpuFeature> clear = EnumSet.noneOf(CpuFeature.class);
        for (String name : cpuClear) {
            try {
                clear.add(CpuFeature.byName(name));
            } catch (RuntimeException e) {
                throw new UserError(e.getMessage());
            }
        }
        Path k = kernel;
        Path rd = initrd;
        List<MachineSpec.DiskSpec> diskSpecs = new java.util.ArrayList<>();
        List<MachineSpec.NetSpec> netSpecs = new java.util.ArrayList<>();
        try {
            for (String d : disks) {
                diskSpecs.add(MachineSpec.DiskSpec.parse(d));
            }
            for (String n : nets) {
                netSpecs.add(MachineSpec.NetSpec.parse(n));
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        for (MachineSpec.DiskSpec d : diskSpecs) {
            checkFile(d.path(), "--disk");
        }
        if (k == null) {
            // The default guest: the minimal image's ELF vmlinux (PVH entry: no emulated decompressor)
            // and its initramfs; built on first use.
            ImageSet image = defaultImage();
            k = image.vmlinux();
            rd = rd != null ? rd : image.initramfs();
            if (systemMap == null) {
                systemMap = image.systemMap();
            }
            // The default guest's root disk is /dev/vda (its /payload is what the disk tests read). The
            // cached file must keep matching its manifest: the guest writes to an overlay unless asked.
            diskSpecs.addFirst(new MachineSpec.DiskSpec(image.rootfs(), false, !keepDiskChanges));
        } else if (keepDiskChanges) {
            throw new UserError("--keep-disk-changes applies to the default image's root disk (no --kernel); "
                    + "a --disk PATH is always written in place");
        }
        checkFile(k, "--kernel");
        if (rd != null) {
            checkFile(rd, "--initrd");
        }
        if (systemMap != null) {
            checkFile(systemMap, "--system-map");
        }
        if (profileIntervalMs != null && profileIntervalMs < 1) {
            throw new UserError("--profile-guest interval must be at least 1 ms, got " + profileIntervalMs);
        }
        String line = (cmdline != null ? cmdline : DEFAULT_CMDLINE) + (append != null && !append.isBlank() ? " " + append : "");
        return new MachineSpec(k, format, rawEntry, rd, line, mem, cpus, clear, true, traceExits, diskSpecs, netSpecs, rng);
    }

    private static ImageSet defaultImage() {
        Path root = GuestImages.defaultCacheRoot();
        return GuestImages.current(root, Profile.MINIMAL).orElseGet(() -> {
            System.err.println("jvmm: no default guest image in " + root + " yet; building it (about 10 minutes) ...");
            try {
                return ImageBuilder.build(Profile.MINIMAL, root, false, line -> System.err.println("[images] " + line));
            } catch (ImageBuildException e) {
                throw new UserError("building the default guest image failed: " + e.getMessage(), ErrorHandler.EXIT_FAILURE);
            }
        });
    }

    private CpuProfile profile() {
        return switch (cpuProfile) {
            case "auto" -> CpuProfile.detect(Path.of("/"));
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

    private static Kvm openKvm(String device) {
        try {
            return Kvm.open(device);
        } catch (KvmException e) {
            throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
        } catch (SysCallException e) {
            throw new UserError("/dev/kvm: " + e.getMessage(), ErrorHandler.EXIT_FAILURE);
        }
    }
}
