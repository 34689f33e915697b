package io.jvmm.machine;

import io.jvmm.boot.BootFiles;
import io.jvmm.boot.InitrdCache;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.boot.cpu.CpuidEntry;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.vm.ExitStats;
import io.jvmm.core.vm.ExitTrace;
import io.jvmm.core.vm.IoEventLoop;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.core.vm.VirtualMachine;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.devices.legacy.I8042;
import io.jvmm.devices.legacy.Serial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.jvmm.machine.snapshot.DeviceRecords;
import io.jvmm.machine.snapshot.MemoryFile;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;
import io.jvmm.machine.snapshot.VirtioRecord;
import io.jvmm.machine.snapshot.SerialRecord;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.StateFile;
import io.jvmm.machine.snapshot.VcpuState;
import io.jvmm.machine.snapshot.VmState;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The machine assembly: the one place that wires KVM, guest memory, devices and the boot plan
 * together. Data flows one way: spec → RAM + devices + boot plan → vCPUs → exits → devices.
 * The devices and the boot plan are {@link Assembly}'s (KVM-free); the KVM side of connecting them is
 * {@link KvmWiring}'s; this class creates the VM around them and runs it.
 */
public final class Machine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Machine.class);

    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_GSI = 4;
    /** The i8042's keyboard and aux (mouse) interrupts: ISA IRQ 1 and 12, identity-mapped to GSIs. */
    public static final int I8042_KBD_GSI = 1;
    public static final int I8042_AUX_GSI = 12;
    public static final int I8042_PORT = 0x60;
    /** The ACPI sleep control/status and reset registers (the FADT's; Cloud Hypervisor's port). */
    public static final int ACPI_PM_PORT = 0x600;
    /** The legacy devices' record names in a snapshot. */
    static final String SERIAL_NAME = "serial";
    static final String I8042_NAME = "i8042";
    static final String BOOT_TIMER_NAME = "boot-timer";

    private final VirtualMachine vm;
    private final Serial serial;
    private final I8042 i8042;
    private final BootTimer bootTimer;
    private final ConsoleWatcher console;
    private final List<AutoCloseable> resources;
    private final VirtualMachine.VcpuSetup vcpuSetup;
    private final MachineSpec.ExitTraceMode exitTraceMode;
    private final boolean irqchip;
    private final int[] msrIndices;
    private final SnapshotState.MachineConfig config;
    /** A restored machine's last step, once every vCPU's state is restored and before they run (null when built). */
    private volatile Runnable afterVcpuRestore;
    /** Built by {@link #restore}: its boot timer holds the snapshotted machine's boot time. */
    private boolean restored;
    private final long buildStartNanos;
    private volatile long firstRunNanos;
    private final MachineListeners listeners;
    private final AtomicBoolean exitReported = new AtomicBoolean();
    /** The emulating-host warning is logged once per process; later machines log it at INFO. */
    private static final AtomicBoolean PROFILE_WARNED = new AtomicBoolean();
    /** Where gzip initrds inflated on emulating hosts are kept (see {@link InitrdCache}). */
    private static final Path INITRD_CACHE = InitrdCache.defaultDirectory();

    private final IoEventLoop io;
    private volatile ExitTrace exitTrace; // set by start() in summary mode
    private final VirtioDevices virtio;
    private final List<AutoCloseable> inputs = new ArrayList<>();

    private Machine(VirtualMachine vm, Serial serial, I8042 i8042, BootTimer bootTimer, ConsoleWatcher console,
                    List<AutoCloseable> resources, VirtualMachine.VcpuSetup vcpuSetup, MachineSpec.ExitTraceMode exitTraceMode,
                    int[] msrIndices, SnapshotState.MachineConfig config, long buildStartNanos,
                    IoEventLoop io, VirtioDevices virtio, MachineListeners listeners) {
        this.listeners = listeners;
        this.io = io;
        this.virtio = virtio;
        this.vm = vm;
        this.serial = serial;
        this.i8042 = i8042;
        this.bootTimer = bootTimer;
        this.console = console;
        this.resources = resources;
        this.vcpuSetup = vcpuSetup;
        this.exitTraceMode = exitTraceMode;
        this.irqchip = config.irqchip();
        this.msrIndices = msrIndices;
        this.config = config;
        this.buildStartNanos = buildStartNanos;
    }

    /**
     * Builds (but does not start) the machine {@code spec} describes.
     *
     * @param consoleOut     where the guest's serial output goes (stdout for {@code jvmm run})
     * @param processStartNanos the VMM process start on the {@link System#nanoTime()} clock (boot timer)
     * @throws MachineSpecException when this host cannot give the spec what it asks (too many vCPUs)
     * @throws IllegalArgumentException when a file or device the spec names cannot be used now (a disk
     *     that cannot be opened, a raw binary too large for guest memory); {@code BootException} when the
     *     kernel or initrd cannot be loaded, {@code GuestMemoryException} when guest RAM is too small for them
     *     (or one of their files shrank while it was being loaded)
     */
    public static Machine build(Hypervisor hypervisor, MachineSpec spec, OutputStream consoleOut, long processStartNanos)
            throws IOException {
        int maxVcpus = hypervisor.maxVcpus();
        if (maxVcpus > 0 && spec.cpus() > maxVcpus) {
            throw new MachineSpecException("cpus", spec.cpus() + " is more than this host's KVM allows (" + maxVcpus + ")");
        }
        return build(hypervisor.kvm(), spec, consoleOut, processStartNanos);
    }

    private static Machine build(Kvm kvm, MachineSpec spec, OutputStream consoleOut, long processStartNanos)
            throws IOException {
        long buildStart = System.nanoTime();
        checkFile(spec.kernel(), "kernel");
        if (spec.initrd() != null) {
            checkFile(spec.initrd(), "initrd");
        }
        // Mapped for the build only: the loader copies from the page cache straight into guest RAM. On emulating
        // hosts a gzip initrd is inflated once on the host and kept (the guest's own gunzip is the biggest single
        // cost of an emulated boot, see InitrdInflater).
        InitrdCache inflate = spec.cpuProfile().emulating() ? new InitrdCache(INITRD_CACHE) : null;
        try (BootFiles files = BootFiles.open(spec.kernel(), spec.initrd(), inflate, spec.memoryBytes() / 2)) {
            return build(kvm, spec, consoleOut, processStartNanos, buildStart, files.kernel(), files.initrd());
        }
    }

    private static Machine build(Kvm kvm, MachineSpec spec, OutputStream consoleOut, long processStartNanos,
                                 long buildStart, MemorySegment kernel, MemorySegment initrd) throws IOException {
        CpuProfile profile = spec.cpuProfile();
        boolean raw = spec.format() == MachineSpec.KernelFormat.RAW;
        // Raw test binaries end with HLT, which must exit to us: no in-kernel irqchip for them, unless
        // they have virtio devices, whose interrupts are irqfds into it (KVM_IRQFD needs an irqchip); their
        // HLT then waits for an interrupt, as on hardware, until the machine is stopped.
        boolean hasVirtio = !spec.disks().isEmpty() || !spec.nets().isEmpty() || spec.rng();
        boolean irqchip = !raw || hasVirtio;
        List<AutoCloseable> resources = new ArrayList<>();
        List<VirtualMachine.RamRegion> ram = GuestRamLayout.regions(spec.memoryBytes());
        VirtualMachine vm = VirtualMachine.create(kvm, new VirtualMachine.Config(ram, spec.cpus(), irqchip));
        try {
            IoEventLoop io = vm.io(); // started, paused and stopped with the vCPUs
            KvmWiring wiring = new KvmWiring(vm, io);
            resources.addFirst(wiring); // its eventfds close last (resources close in reverse)
            MachineListeners listeners = new MachineListeners();
            ConsoleWatcher console = new ConsoleWatcher(consoleOut, listeners);
            BootTimer bootTimer = new BootTimer(processStartNanos, buildStart, System::nanoTime);
            Assembly assembly = Assembly.assemble(wiring, spec, kernel, initrd, irqchip, console, bootTimer, vm::stop);
            VirtioDevices virtio = assembly.virtio();
            resources.add(virtio); // closed only after vm.release() joined the I/O thread, before the wiring's eventfds
            if (!raw && profile.emulating()) {
                // Once the kernel loaded: the profile is then in effect.
                if (PROFILE_WARNED.compareAndSet(false, true)) {
                    LOG.warn(profile.description());
                } else {
                    LOG.info(profile.description());
                }
            }
            vm.stats().onFirstExit(listeners::firstGuestExit);
            bootTimer.fired().thenAccept(listeners::bootTimerFired);

            List<CpuidEntry> supported = kvm.getSupportedCpuid().stream()
                    .map(e -> new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx()))
                    .toList();
            CpuProfile effective = profile.withCleared(spec.cpuClear());
            VcpuInitializer init = new VcpuInitializer(
                    id -> effective.cpuidFor(supported, id, spec.cpus()), assembly.bootCpu(), irqchip);
            String summary = spec.format() + " kernel " + spec.kernel()
                    + (assembly.cmdline() != null ? ", command line: " + assembly.cmdline() : "");
            var config = new SnapshotState.MachineConfig(spec.cpus(), irqchip, ram, summary);
            return new Machine(vm, assembly.serial(), assembly.i8042(), bootTimer, console, resources, init, spec.exitTrace(),
                    kvm.getMsrIndexList(), config, buildStart, io, virtio, listeners);
        } catch (RuntimeException e) {
            vm.close();
            closeAll(resources);
            throw e;
        }
    }

    private static void checkFile(java.nio.file.Path p, String what) {
        // The spec checked the file; it may have gone since.
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(what + ": " + p + ": no such file");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(what + ": " + p + ": permission denied");
        }
    }

    /** Adds a listener for this machine's events; add listeners before {@link #start()} to hear them all. */
    public void addListener(MachineListener listener) {
        listeners.add(listener);
    }

    /** Starts the I/O thread and the vCPUs: CREATED → RUNNING. */
    public void start() {
        start(false);
    }

    /**
     * CREATED → PAUSED: every vCPU is set up (a restored one: its state restored) and parked before it
     * enters the guest; {@link #resume()} runs them.
     */
    public void startPaused() {
        start(true);
    }

    private void start(boolean paused) {
        switch (exitTraceMode) {
            case LINES -> vm.traceExits(ExitTrace.lines(System.err::println));
            case SUMMARY -> {
                exitTrace = ExitTrace.summary();
                vm.traceExits(exitTrace);
            }
            case OFF -> { }
        }
        Runnable after = afterVcpuRestore;
        if (after != null && !paused) {
            // A restored machine: the last vCPU to have its state restored runs the after-restore step and
            // lets them all go, without a round trip through PAUSED and this thread (docs/snapshots.md).
            afterVcpuRestore = null;
            vm.startAfterSetup(vcpuSetup, () -> {
                after.run();
                long now = System.nanoTime();
                firstRunNanos = now;
                listeners.firstRun(now);
            });
            return;
        }
        vm.start(vcpu -> {
            vcpuSetup.configure(vcpu);
            if (vcpu.id() == 0 && after == null) {
                long now = System.nanoTime();
                firstRunNanos = now;
                listeners.firstRun(now);   // on vcpu-0, just before its first KVM_RUN
            }
        }, null, paused || after != null);
        if (after != null) {
            afterVcpuRestore = null;
            after.run();
            long now = System.nanoTime();
            firstRunNanos = now;
            listeners.firstRun(now);
            if (!paused && vm.state() == MachineState.PAUSED) { // not when a vCPU's restore failed (it stopped the machine)
                vm.resume();
            }
        }
    }

    /**
     * With {@link MachineSpec.ExitTraceMode#SUMMARY}: the exits so far by device and register, with counts
     * and the time jvmm spent handling them; empty otherwise.
     */
    public Optional<String> exitTraceSummary() {
        ExitTrace t = exitTrace;
        return t == null ? Optional.empty() : Optional.of(t.summaryReport());
    }

    /** {@link #snapshot(SnapshotFiles, boolean)} into {@code dir}/state.json and {@code dir}/memory.bin. */
    public SnapshotResult snapshot(Path dir, boolean resume) throws IOException {
        return snapshot(SnapshotFiles.in(dir), resume);
    }

    /**
     * Takes a snapshot into {@code files} (their directory created if need be): pauses the machine if it
     * runs, reads every vCPU's, the VM's and each device's state, writes the memory file (sparse), each
     * copy-on-write disk's written clusters and the state file, then resumes it if {@code resume} and it was
     * running (else it stays paused). A snapshot of a clone leaves the clones that map the old files
     * untouched (files are replaced by rename).
     *
     * @throws IllegalStateException when the machine is neither running nor paused
     */
    public SnapshotResult snapshot(SnapshotFiles files, boolean resume) throws IOException {
        long start = System.nanoTime();
        boolean wasRunning = vm.state() == MachineState.RUNNING;
        if (wasRunning) {
            vm.pause();
        } else if (vm.state() != MachineState.PAUSED) {
            throw new IllegalStateException("cannot snapshot: the machine is not running or paused (it is "
                    + vm.state().words() + ")");
        }
        try {
            long paused = System.nanoTime();
            List<VcpuState> vcpus = new ArrayList<>();
            vm.onEachVcpu(v -> vcpus.add(VcpuState.capture(v, msrIndices, irqchip)));
            VmState vmState = irqchip ? VmState.capture(vm.vm(), vm.clock()) : null;
            long stateRead = System.nanoTime();
            Files.createDirectories(files.dir());
            Files.deleteIfExists(files.stateFile()); // no state file beside a half-written memory file
            MemoryFile.Written mem = MemoryFile.write(files.memoryFile(), vm.memory().regions(), vm::ramFd);
            long memoryWritten = System.nanoTime();
            // One record per device. The UART's output is drained first: what the guest sent is not guest state.
            serial.flush();
            List<SnapshotState.DeviceRecord> devices = new ArrayList<>();
            devices.add(SerialRecord.record(SERIAL_NAME, serial.state()));
            devices.add(DeviceRecords.record(I8042_NAME, DeviceRecords.I8042, i8042.state()));
            devices.add(DeviceRecords.record(BOOT_TIMER_NAME, DeviceRecords.BOOT_TIMER, bootTimer.state()));
            for (VirtioDevices.VirtioRecordOut v : virtio.records(files)) {
                devices.add(DeviceRecords.record(v.name(), switch (v.record()) {
                    case VirtioRecord.Block b -> DeviceRecords.VIRTIO_BLK;
                    case VirtioRecord.Net n -> DeviceRecords.VIRTIO_NET;
                    case VirtioRecord.Rng r -> DeviceRecords.VIRTIO_RNG;
                }, v.record()));
            }
            StateFile.write(files, new SnapshotState(config, vcpus, vmState, devices));
            long end = System.nanoTime();
            return new SnapshotResult(files.dir(), mem.length(), mem.dataBytes(), Duration.ofNanos(paused - start),
                    Duration.ofNanos(stateRead - paused), Duration.ofNanos(memoryWritten - stateRead),
                    Duration.ofNanos(end - start));
        } finally {
            if (wasRunning && resume) {
                vm.resume();
            }
        }
    }

    /**
     * What {@link #snapshot} did: the memory file's length and the bytes of data in it (the rest are
     * holes), and how long pausing, reading the state, writing memory and the whole took.
     */
    public record SnapshotResult(Path dir, long memoryBytes, long memoryDataBytes, Duration pause, Duration state,
                                 Duration memory, Duration total) {
    }

    /** {@link #restore(Hypervisor, SnapshotFiles, RestoreOptions, OutputStream, long)} of {@code dir}, as recorded. */
    public static Machine restore(Hypervisor hypervisor, Path dir, OutputStream consoleOut, long processStartNanos) {
        return restore(hypervisor, SnapshotFiles.in(dir), RestoreOptions.NONE, consoleOut, processStartNanos);
    }

    /**
     * Builds a machine from the snapshot in {@code files}: a new VM whose RAM is the memory file mapped
     * MAP_PRIVATE (read when first touched, written copy-on-write: the file must stay as it is while the
     * machine lives; several machines may map one file, each writes privately), the VM-wide state
     * restored, the devices wired with their restored state and their back ends opened again (disks and
     * TAPs as recorded, or as {@code options} say); each vCPU's state is restored on its thread when the
     * machine is started ({@link #start()}, or {@link #startPaused()}). The state file is read and checked
     * whole before anything is built; a device record the device refuses stops the build, and what was
     * built is closed.
     *
     * @throws SnapshotException naming the file, record and field that cannot be restored
     */
    public static Machine restore(Hypervisor hypervisor, SnapshotFiles files, RestoreOptions options,
                                  OutputStream consoleOut, long processStartNanos) {
        long buildStart = System.nanoTime();
        return restore(hypervisor, RestorableSnapshot.read(files), options, consoleOut, processStartNanos, buildStart);
    }

    /**
     * {@link #restore(Hypervisor, SnapshotFiles, RestoreOptions, OutputStream, long)} of a snapshot read and
     * checked before ({@link RestorableSnapshot#read}): only the memory file's size is checked again, so a
     * restore builds the machine and nothing else.
     */
    public static Machine restore(Hypervisor hypervisor, RestorableSnapshot snapshot, RestoreOptions options,
                                  OutputStream consoleOut, long processStartNanos) {
        return restore(hypervisor, snapshot, options, consoleOut, processStartNanos, System.nanoTime());
    }

    private static Machine restore(Hypervisor hypervisor, RestorableSnapshot snapshot, RestoreOptions options,
                                   OutputStream consoleOut, long processStartNanos, long buildStart) {
        SnapshotFiles files = snapshot.files();
        SnapshotState state = StateFile.checkMemoryFile(files, snapshot.state());
        SavedDevices saved = snapshot.devices();
        int maxVcpus = hypervisor.maxVcpus();
        if (maxVcpus > 0 && state.machine().cpus() > maxVcpus) {
            throw new SnapshotException(files.stateFile() + ": machine.cpus: " + state.machine().cpus()
                    + " is more than this host's KVM allows (" + maxVcpus + ")");
        }
        Kvm kvm = hypervisor.kvm();
        SnapshotState.MachineConfig config = state.machine();
        long stateRead = System.nanoTime();
        VirtualMachine vm = VirtualMachine.create(kvm, new VirtualMachine.Config(config.ram(), config.cpus(),
                config.irqchip(), files.memoryFile()));
        long vmCreated = System.nanoTime();
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            IoEventLoop io = vm.io();
            KvmWiring wiring = new KvmWiring(vm, io);
            resources.addFirst(wiring);
            MachineListeners listeners = new MachineListeners();
            ConsoleWatcher console = new ConsoleWatcher(consoleOut, listeners);
            BootTimer bootTimer;
            try {
                bootTimer = BootTimer.restore(saved.bootTimer(), processStartNanos, buildStart, System::nanoTime);
            } catch (DeviceStateException e) {
                throw new SnapshotException(files.stateFile() + ": devices (" + BOOT_TIMER_NAME + "): " + e.getMessage());
            }
            Assembly.Legacy legacy;
            try {
                legacy = Assembly.wireLegacy(wiring, config.irqchip(), console, bootTimer, vm::stop, saved.serial(), saved.i8042());
            } catch (DeviceStateException e) {
                throw new SnapshotException(files.stateFile() + ": devices: " + e.getMessage());
            }
            VirtioDevices virtio = VirtioDevices.restore(wiring, saved.virtio(), files, options);
            resources.add(virtio);
            vm.stats().onFirstExit(listeners::firstGuestExit);
            bootTimer.fired().thenAccept(listeners::bootTimerFired);
            if (state.vm() != null) {
                state.vm().restore(vm.vm());   // VM-wide state before the vCPUs' (as the snap-probe measured it works)
                vm.holdClock(state.vm().clockData()); // into KVM just before the vCPUs run
            }
            VirtualMachine.VcpuSetup setup = vcpu -> state.vcpus().get(vcpu.id()).restore(vcpu);
            Machine m = new Machine(vm, legacy.serial(), legacy.i8042(), bootTimer, console, resources, setup,
                    MachineSpec.ExitTraceMode.OFF, kvm.getMsrIndexList(), config, buildStart, io, virtio, listeners);
            LOG.debug("restore of {}: state read and checked {} µs, VM created (RAM mapped) {} µs, devices and VM state {} µs",
                    files.stateFile(), (stateRead - buildStart) / 1000, (vmCreated - stateRead) / 1000,
                    (System.nanoTime() - vmCreated) / 1000);
            // Once the vCPUs' local APICs are restored: an interrupt the UART raised just before the snapshot may
            // not have reached the irqchip's saved state (irqfd injection is asynchronous), so COM1 gets one edge
            // (if nothing is pending the guest's driver finds UART_IIR_NO_INT and returns), the i8042 one for a
            // keyboard byte waiting in its output buffer; and each virtio queue
            // is looked at once for a notification that was in flight.
            m.restored = true;
            m.afterVcpuRestore = config.irqchip() ? () -> {
                legacy.com1().trigger();
                legacy.i8042().interruptAfterRestore();
                virtio.kickQueues();
            } : virtio::kickQueues;
            return m;
        } catch (RuntimeException e) {
            vm.close();
            closeAll(resources);
            throw e;
        }
    }

    /**
     * RUNNING → PAUSED: returns once every vCPU is parked out of KVM_RUN and the I/O thread is parked
     * (no device processing). Throws IllegalStateException if not running ("cannot pause: the machine
     * is not running") or if called on one of the machine's own threads.
     */
    public void pause() {
        vm.pause();
    }

    /** PAUSED → RUNNING. Throws IllegalStateException unless paused. */
    public void resume() {
        vm.resume();
    }

    public MachineState state() {
        return vm.state();
    }

    /**
     * Waits for the machine to end; null on timeout. The first call that sees the end tells the listeners
     * ({@link MachineListener#exited}) before it returns.
     */
    public MachineExit awaitExit(Duration timeout) throws InterruptedException {
        MachineExit exit = vm.awaitExit(timeout);
        serial.flush();
        if (exit != null && exitReported.compareAndSet(false, true)) {
            listeners.exited(this, exit);
        }
        return exit;
    }

    /**
     * Types Ctrl+Alt+Del on the i8042's keyboard, as Firecracker's SendCtrlAltDel does: the guest decides
     * what follows (a Linux guest with the i8042 and VT keyboard drivers calls ctrl_alt_del(): a restart, or
     * SIGINT to init when init asked for it; the restart resets through the i8042, which ends the machine).
     * The machine itself is not stopped. Any thread; the keys wait in the keyboard while the machine is paused.
     *
     * @throws IllegalStateException when the machine has ended, or the keys could not be queued (the guest
     *         disabled its keyboard, or has not read the keys sent before), with the reason in one line
     */
    public void sendCtrlAltDel() {
        MachineState s = vm.state();
        if (s == MachineState.STOPPED) {
            throw new IllegalStateException("cannot send Ctrl+Alt+Del: the machine has stopped");
        }
        String refused = i8042.sendCtrlAltDel();
        if (refused != null) {
            throw new IllegalStateException("cannot send Ctrl+Alt+Del: " + refused);
        }
    }

    /** Asks the machine to stop (any state, any thread; returns at once; the first reason wins; nothing after close). */
    public void stop(MachineExit reason) {
        vm.stop(reason);
    }

    /**
     * An input that feeds the guest from outside (a console reader): stopped first when the machine
     * is closed, before the vCPUs and devices it feeds.
     */
    public void addInput(AutoCloseable input) {
        synchronized (inputs) {
            inputs.add(input);
        }
    }

    public Serial serial() {
        return serial;
    }

    ExitStats stats() {
        return vm.stats();
    }

    /** The kernel's ids of this machine's running vCPU threads ({@code /proc/self/task/TID}), in vCPU order. */
    public List<Integer> vcpuThreadIds() {
        return vm.vcpuThreadIds();
    }

    /** vCPU exits so far, of every kind. */
    public long exitCount() {
        return vm.stats().total();
    }

    /** {@link System#nanoTime()} of the guest's first exit, or 0 when there was none yet. */
    public long firstExitNanos() {
        return vm.stats().firstExitNanos();
    }

    /** Guest RAM (its regions' host mappings tell where guest memory is in this process). */
    public GuestMemory memory() {
        return vm.memory();
    }

    /**
     * Samples every vCPU's instruction pointer each {@code interval} once started; call before
     * {@link #start()}. Each sample costs one exit per vCPU.
     */
    public GuestProfile enableProfiling(Duration interval) {
        return new GuestProfile(vm.enableProfiling(interval));
    }

    public Optional<BootTimer.BootTime> bootTime() {
        return bootTimer.result();
    }

    public long buildStartNanos() {
        return buildStartNanos;
    }

    /** {@link System#nanoTime()} when vcpu-0 was about to enter the guest first (its first KVM_RUN), or 0. */
    public long firstRunNanos() {
        return firstRunNanos;
    }

    VirtualMachine vm() {
        return vm;
    }

    /**
     * The ordered teardown: inputs; then the vCPUs (joined), the I/O thread (joined), guest RAM and VM
     * fds (see {@link VirtualMachine#release()}); then the devices' own fds. If a thread did not stop, that
     * is reported and everything it may touch is kept (leaked) rather than closed under it.
     */
    @Override
    public void close() {
        List<AutoCloseable> in;
        synchronized (inputs) {
            in = List.copyOf(inputs);
            inputs.clear();
        }
        closeAll(in);
        boolean released = vm.release();
        serial.flush();
        if (!released) {
            LOG.error("a vCPU or the I/O thread did not stop: device files and eventfds stay open");
            return;
        }
        closeAll(resources);
    }

    /**
     * What the machine did, for a person: when the guest first ran and exited, its boot time, exit counts
     * by kind and by device, and the virtio devices' counters.
     */
    public String statsReport() {
        StringBuilder sb = new StringBuilder();
        long firstExit = firstExitNanos();
        if (firstExit != 0 && firstRunNanos != 0) {
            sb.append(String.format("first guest exit (guest running, e.g. kernel entry): %.1f ms after the first KVM_RUN, "
                    + "VM build took %.1f ms%n", (firstExit - firstRunNanos) / 1e6, (firstRunNanos - buildStartNanos) / 1e6));
        }
        bootTime().ifPresentOrElse(
                t -> sb.append(String.format("boot time%s: %.1f ms since process start, %.1f ms since VM build start%n",
                        restored ? " (of the machine that was snapshotted, in its process)" : "",
                        t.sinceProcessStart().toNanos() / 1e6, t.sinceBuildStart().toNanos() / 1e6)),
                () -> sb.append("boot time: the guest did not signal boot completion\n"));
        sb.append(vm.stats().format());
        String counters = virtioCounters();
        if (!counters.isEmpty()) {
            sb.append("virtio:\n").append(counters);
        }
        return sb.toString();
    }

    /** Per-device virtio counters (requests, errors). */
    public String virtioCounters() {
        StringBuilder sb = new StringBuilder();
        for (var t : virtio.transports()) {
            sb.append(String.format("  %-16s %s%n", t.device().getClass().getSimpleName(), t.counters()));
        }
        return sb.toString();
    }

    /** vCPU exits so far by kind ({@code IO_OUT}, {@code MMIO_WRITE}, {@code HLT}, ...), sorted by name. */
    public java.util.Map<String, Long> exitsByKind() {
        return vm.stats().byKind();
    }

    /** Each virtio device's counters by its name ({@code virtio-blk0}, {@code virtio-net0}, {@code virtio-rng0}). */
    public java.util.Map<String, io.jvmm.devices.virtio.VirtioCounters> virtioDeviceCounters() {
        return virtio.counters();
    }

    /**
     * Puts the file {@code path} behind disk {@code index} (virtio-blk {@code index}, in the spec's order),
     * keeping its read-only and copy-on-write settings: a running machine is paused for the swap and resumed;
     * a new size reaches the guest's driver as a configuration change interrupt. A refusal (no such disk,
     * the file cannot be opened or is locked) changes nothing. The disk's old file is closed and unlocked.
     *
     * @return the disk's new size in bytes
     * @throws IllegalArgumentException naming the disk when the file cannot be used
     * @throws IllegalStateException when the machine has stopped
     */
    public long replaceDisk(int index, Path path) {
        MachineState state = vm.state();
        boolean pauseHere = state == MachineState.RUNNING;
        if (pauseHere) {
            vm.pause();
        } else if (state == MachineState.STOPPED) {
            throw new IllegalStateException("cannot replace disk " + index + ": the machine is " + state.words());
        }
        try {
            return virtio.replaceDisk(index, path);
        } finally {
            if (pauseHere) {
                vm.resume();
            }
        }
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", r, e.getMessage());
            }
        }
    }
}
