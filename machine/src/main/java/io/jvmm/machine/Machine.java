package io.jvmm.machine;

import io.jvmm.boot.BootConfig;
import io.jvmm.boot.BootResult;
import io.jvmm.boot.CpuState;
import io.jvmm.boot.InitrdInflater;
import io.jvmm.boot.LinuxLoader;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.boot.cpu.CpuidEntry;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.vm.ExitStats;
import io.jvmm.core.vm.IoEventLoop;
import io.jvmm.core.vm.MachineExit;
import io.jvmm.core.vm.MachineState;
import io.jvmm.core.vm.VirtualMachine;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.devices.legacy.I8042;
import io.jvmm.devices.legacy.Serial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The machine assembly: the one place that wires KVM, guest memory, devices and the boot plan
 * together. Data flows one way: spec → RAM + devices + boot plan → vCPUs → exits → devices.
 *
 * <pre>
 *   port 0x3f8-0x3ff  16550A UART (COM1), IRQ 4 through an irqfd
 *   port 0x60-0x64    i8042 (reset line only)
 *   MMIO 0xC0000000   boot timer (write 123 = "guest booted")
 *   MMIO 0xC0001000+  virtio-mmio devices, 4 KiB each, GSI 5.. (see VirtioDevices)
 * </pre>
 */
public final class Machine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Machine.class);

    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_GSI = 4;
    public static final int I8042_PORT = 0x60;

    private final VirtualMachine vm;
    private final Serial serial;
    private final BootTimer bootTimer;
    private final ConsoleWatcher console;
    private final List<AutoCloseable> resources;
    private final MachineSpec spec;
    private final VcpuInitializer vcpuInit;
    private final long buildStartNanos;
    private long firstRunNanos;

    private final IoEventLoop io;
    private final VirtioDevices virtio;
    private final List<AutoCloseable> inputs = new ArrayList<>();

    private Machine(VirtualMachine vm, Serial serial, BootTimer bootTimer, ConsoleWatcher console,
                    List<AutoCloseable> resources, MachineSpec spec, VcpuInitializer vcpuInit, long buildStartNanos,
                    IoEventLoop io, VirtioDevices virtio) {
        this.io = io;
        this.virtio = virtio;
        this.vm = vm;
        this.serial = serial;
        this.bootTimer = bootTimer;
        this.console = console;
        this.resources = resources;
        this.spec = spec;
        this.vcpuInit = vcpuInit;
        this.buildStartNanos = buildStartNanos;
    }

    /**
     * Builds (but does not start) the machine {@code spec} describes.
     *
     * @param consoleOut     where the guest's serial output goes (stdout for {@code jvmm run})
     * @param processStartNanos the VMM process start on the {@link System#nanoTime()} clock (boot timer)
     * @param profile        the host CPU profile (hardware, or emulating with its CPUID and cmdline needs)
     */
    public static Machine build(Kvm kvm, MachineSpec spec, OutputStream consoleOut, long processStartNanos,
                                CpuProfile profile) throws IOException {
        long buildStart = System.nanoTime();
        boolean raw = spec.format() == MachineSpec.KernelFormat.RAW;
        byte[] kernel = readFile(spec.kernel(), "kernel");
        byte[] initrd = spec.initrd() != null ? readFile(spec.initrd(), "initrd") : null;
        if (initrd != null && profile.emulating()) {
            // The guest's own gunzip is the biggest single cost of an emulated boot (see InitrdInflater).
            byte[] inflated = InitrdInflater.inflate(initrd, spec.memoryBytes() / 2);
            if (inflated != initrd) {
                LOG.info("initrd: gzip inflated on the host ({} -> {} bytes) so the emulated guest kernel need not",
                        initrd.length, inflated.length);
                initrd = inflated;
            }
        }

        // Raw test binaries end with HLT, which must exit to us: no in-kernel irqchip for them, unless
        // they have virtio devices, whose interrupts are irqfds into it (KVM_IRQFD needs an irqchip); their
        // HLT then waits for an interrupt, as on hardware, until the machine is stopped.
        boolean hasVirtio = !spec.disks().isEmpty() || !spec.nets().isEmpty() || spec.rng();
        boolean irqchip = !raw || hasVirtio;
        List<AutoCloseable> resources = new ArrayList<>();
        VirtualMachine vm = VirtualMachine.create(kvm,
                new VirtualMachine.Config(GuestRamLayout.regions(spec.memoryBytes()), spec.cpus(), irqchip));
        try {
            InterruptLine com1Irq = InterruptLine.NONE;
            if (irqchip) {
                EventFdInterrupt irq = new EventFdInterrupt(Sys.eventfd(0), COM1_GSI);
                resources.add(irq);
                vm.vm().irqfd(irq.fd(), COM1_GSI);
                com1Irq = irq;
            }
            ConsoleWatcher console = new ConsoleWatcher(consoleOut);
            Serial serial = new Serial(com1Irq, console);
            vm.pio().insert("serial", COM1_PORT, Serial.PORT_COUNT, serial);
            vm.pio().insert("i8042", I8042_PORT, I8042.PORT_COUNT, new I8042(() -> {
                serial.flush(); // the console is written on a thread of its own: let it catch up, then ask it
                vm.stop(console.panicLine()
                        .map(l -> MachineExit.failure("guest kernel panicked: " + l))
                        .orElse(MachineExit.ok("guest reset (reboot)")));
            }));
            BootTimer bootTimer = new BootTimer(processStartNanos, buildStart, System::nanoTime);
            vm.mmio().insert("boot-timer", GuestRamLayout.BOOT_TIMER_ADDRESS, BootTimer.MMIO_SIZE, bootTimer);

            IoEventLoop io = vm.io(); // started, paused and stopped with the vCPUs
            VirtioDevices virtio = VirtioDevices.attach(vm, io, spec);
            resources.add(virtio); // closed only after vm.release() joined the I/O thread

            VcpuInitializer.BootCpu bootCpu;
            if (raw) {
                bootCpu = loadRaw(vm, spec, kernel);
            } else {
                BootResult boot = LinuxLoader.load(vm.memory(),
                        new BootConfig(kernel, initrd, spec.cmdline() + virtio.cmdline(), spec.cpus()));
                LOG.info("loaded {}", boot.summary());
                LOG.info("kernel command line: {}", boot.cmdline());
                bootCpu = new VcpuInitializer.BootCpu.Protected(boot.bootCpu());
            }
            List<CpuidEntry> supported = kvm.getSupportedCpuid().stream()
                    .map(e -> new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx()))
                    .toList();
            CpuProfile effective = profile.withCleared(spec.cpuClear());
            VcpuInitializer init = new VcpuInitializer(
                    id -> effective.cpuidFor(supported, id, spec.cpus()), bootCpu, irqchip);
            return new Machine(vm, serial, bootTimer, console, resources, spec, init, buildStart, io, virtio);
        } catch (RuntimeException e) {
            vm.close();
            closeAll(resources);
            throw e;
        }
    }

    private static VcpuInitializer.BootCpu loadRaw(VirtualMachine vm, MachineSpec spec, byte[] binary) {
        MachineSpec.RawEntry entry = spec.rawEntry();
        GuestAddress at = GuestAddress.of(entry.address());
        if (!vm.memory().contains(at, Math.max(1, binary.length))) {
            throw new IllegalArgumentException("raw kernel: " + binary.length + " bytes at " + at
                    + " do not fit in guest memory (" + vm.memory().totalSize() + " bytes)");
        }
        vm.memory().write(at, binary);
        return switch (entry.mode()) {
            case REAL -> new VcpuInitializer.BootCpu.RealMode(entry.address());
            case LONG -> new VcpuInitializer.BootCpu.Protected(CpuState.longMode(vm.memory(), at, GuestAddress.of(0)));
        };
    }

    private static byte[] readFile(java.nio.file.Path p, String what) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(what + " " + p + ": no such file");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(what + " " + p + ": not readable");
        }
        return Files.readAllBytes(p);
    }

    /** Starts the I/O thread and the vCPUs: CREATED → RUNNING. */
    public void start() {
        firstRunNanos = System.nanoTime();
        vm.start(vcpuInit, spec.traceExits() ? line -> System.err.println(line) : null);
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

    /** Waits for the machine to end; null on timeout. */
    public MachineExit awaitExit(Duration timeout) throws InterruptedException {
        MachineExit exit = vm.awaitExit(timeout);
        serial.flush();
        return exit;
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

    public ExitStats stats() {
        return vm.stats();
    }

    public Optional<BootTimer.BootTime> bootTime() {
        return bootTimer.result();
    }

    public long buildStartNanos() {
        return buildStartNanos;
    }

    public long firstRunNanos() {
        return firstRunNanos;
    }

    public VirtualMachine vm() {
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

    /** Per-device virtio counters (requests, errors), for --stats. */
    public String virtioCounters() {
        StringBuilder sb = new StringBuilder();
        for (var t : virtio.transports()) {
            sb.append(String.format("  %-16s %s%n", t.device().getClass().getSimpleName(), t.counters()));
        }
        return sb.toString();
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
