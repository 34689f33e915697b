package io.jvmm.core.vm;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmPitConfig;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.kvm.VmFd;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.Sys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One KVM virtual machine: its guest RAM, buses, vCPU threads and lifecycle.
 *
 * <pre>
 *   create() ─► start(setup) ─► [vcpu-0 … vcpu-N run, exits → ExitDispatcher → buses]
 *                                   │ a device or an exit asks to stop, or the host calls stop()
 *                                   ▼
 *              awaitExit() ◄── every vCPU thread has ended ──► close(): join, unmap, close fds
 * </pre>
 * Stopping works even while a vCPU is inside KVM_RUN or halted in the kernel: {@link #stop} sets the
 * vCPU's {@code immediate_exit} and kicks its thread with a signal (see {@code VcpuKick}).
 */
public final class VirtualMachine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualMachine.class);

    /** Guest-physical placement of the TSS and EPT identity page, below the 4 GiB boundary (as Firecracker). */
    public static final long KVM_TSS_ADDRESS = 0xfffb_d000L;
    public static final long KVM_IDENTITY_MAP_ADDRESS = 0xfffb_c000L;

    /** One RAM region of the guest. */
    public record RamRegion(GuestAddress start, long size) {
    }

    /**
     * @param irqchip in-kernel IOAPIC/PIC/LAPIC and PIT (what Linux needs); without it HLT exits to
     *                jvmm, which tiny test guests use to end
     */
    public record Config(List<RamRegion> ram, int vcpus, boolean irqchip) {
        public Config {
            ram = List.copyOf(ram);
            if (vcpus < 1) {
                throw new IllegalArgumentException("a machine needs at least one vCPU, got " + vcpus);
            }
        }
    }

    /** Configures a vCPU (registers, CPUID, MSRs ...) on its own thread before its first KVM_RUN. */
    @FunctionalInterface
    public interface VcpuSetup {
        void configure(VcpuFd vcpu);
    }

    private final VmFd vm;
    private final List<Mapping> ramMappings;
    private final GuestMemory memory;
    private final List<VcpuFd> vcpus;
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    private final ExitStats stats = new ExitStats();
    private final AtomicReference<MachineExit> exit = new AtomicReference<>();
    private final List<VcpuThread> threads = new ArrayList<>();
    private CountDownLatch running;
    private boolean closed;
    private RipSamples ripSamples;
    private Duration sampleInterval;
    private Thread profiler;

    private VirtualMachine(VmFd vm, List<Mapping> ramMappings, GuestMemory memory, List<VcpuFd> vcpus) {
        this.vm = vm;
        this.ramMappings = ramMappings;
        this.memory = memory;
        this.vcpus = vcpus;
    }

    /** Creates the VM, maps its RAM (untouched: pages are allocated when first used) and its vCPUs. */
    public static VirtualMachine create(Kvm kvm, Config config) {
        VmFd vm = kvm.createVm();
        List<Mapping> mappings = new ArrayList<>();
        List<VcpuFd> vcpus = new ArrayList<>();
        try {
            vm.setTssAddr(KVM_TSS_ADDRESS);
            if (config.irqchip()) {
                vm.createIrqchip();
                vm.createPit2(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY);
            }
            List<GuestRegion> regions = new ArrayList<>();
            int slot = 0;
            for (RamRegion r : config.ram()) {
                Mapping m = Sys.mmap(r.size(), Sys.PROT_READ | Sys.PROT_WRITE,
                        Sys.MAP_SHARED | Sys.MAP_ANONYMOUS | Sys.MAP_NORESERVE, -1, 0, "guest RAM at " + r.start());
                mappings.add(m);
                vm.setUserMemoryRegion(slot++, r.start().value(), r.size(), m.address());
                regions.add(new GuestRegion(r.start(), m.segment()));
            }
            GuestMemory memory = GuestMemory.of(regions);
            for (int i = 0; i < config.vcpus(); i++) {
                vcpus.add(vm.createVcpu(i));
            }
            return new VirtualMachine(vm, mappings, memory, vcpus);
        } catch (RuntimeException e) {
            vcpus.forEach(VcpuFd::close);
            mappings.forEach(Mapping::close);
            vm.close();
            throw e;
        }
    }

    public GuestMemory memory() {
        return memory;
    }

    public Bus pio() {
        return pio;
    }

    public Bus mmio() {
        return mmio;
    }

    public VmFd vm() {
        return vm;
    }

    public ExitStats stats() {
        return stats;
    }

    public int vcpuCount() {
        return vcpus.size();
    }

    /**
     * Starts one named thread per vCPU ({@code vcpu-0} …). Each runs {@code setup} on itself, then the
     * guest; exits are dispatched with a dispatcher over this machine's buses.
     *
     * @param trace receives one line per exit when non-null ({@code --trace-exits})
     */
    public synchronized void start(VcpuSetup setup, Consumer<String> trace) {
        if (running != null) {
            throw new IllegalStateException("machine already started");
        }
        ExitDispatcher dispatcher = new ExitDispatcher(pio, mmio, memory, stats, trace);
        running = new CountDownLatch(vcpus.size());
        for (VcpuFd fd : vcpus) {
            VcpuThread t = new VcpuThread(fd, setup, dispatcher, this::stop, running::countDown, ripSamples);
            threads.add(t);
        }
        threads.forEach(VcpuThread::start);
        if (ripSamples != null) {
            CountDownLatch latch = running;
            List<VcpuThread> ts = List.copyOf(threads);
            profiler = Thread.ofPlatform().name("guest-profiler").daemon(true).start(() -> {
                try {
                    while (!latch.await(sampleInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                        ts.forEach(VcpuThread::requestSample);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /**
     * Samples every vCPU's RIP each {@code interval} once started ({@code --profile-guest}). Call before
     * {@link #start}. Each sample costs one exit per vCPU.
     */
    public synchronized RipSamples enableProfiling(Duration interval) {
        if (running != null) {
            throw new IllegalStateException("enable profiling before start");
        }
        sampleInterval = interval;
        ripSamples = new RipSamples();
        return ripSamples;
    }

    /**
     * Asks the machine to stop with {@code reason} (the first reason given wins). Returns at once;
     * safe from any thread, including vCPU threads and device callbacks.
     */
    public void stop(MachineExit reason) {
        Objects.requireNonNull(reason);
        if (exit.compareAndSet(null, reason)) {
            LOG.debug("stopping: {}", reason.reason());
        }
        List<VcpuThread> ts;
        synchronized (this) {
            ts = List.copyOf(threads);
        }
        ts.forEach(VcpuThread::requestStop);
    }

    /** Waits until every vCPU thread has ended; returns why the machine ended, or null on timeout. */
    public MachineExit awaitExit(Duration timeout) throws InterruptedException {
        CountDownLatch latch;
        synchronized (this) {
            latch = running;
        }
        if (latch == null) {
            throw new IllegalStateException("machine not started");
        }
        if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        exit.compareAndSet(null, MachineExit.ok("all vCPUs halted"));
        return exit.get();
    }

    /** Stops the vCPUs if running, joins their threads and releases every fd and mapping. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(MachineExit.ok("machine closed"));
        if (profiler != null) {
            profiler.interrupt();
            try {
                profiler.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean joined = true;
        for (VcpuThread t : threads) {
            joined &= t.join(Duration.ofSeconds(10));
        }
        if (!joined) {
            // A vCPU that did not stop may still use its kvm_run page and guest RAM: leak them rather
            // than unmap memory under a running thread.
            LOG.error("a vCPU thread did not stop within 10 s; leaving its resources mapped");
            return;
        }
        vcpus.forEach(VcpuFd::close);
        ramMappings.forEach(Mapping::close);
        vm.close();
    }
}
