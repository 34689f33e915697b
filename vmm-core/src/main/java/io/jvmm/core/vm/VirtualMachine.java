package io.jvmm.core.vm;

import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.core.bus.Bus;
import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmClockData;
import io.jvmm.core.kvm.KvmPitConfig;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.kvm.VmFd;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestMemoryException;
import io.jvmm.core.memory.GuestRegion;
import io.jvmm.core.sys.Mapping;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.SysCallException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One KVM virtual machine: its guest RAM, buses, vCPU threads, I/O thread and lifecycle.
 *
 * <pre>
 *   create() ─► start(setup) ─► RUNNING: vcpu-0 … vcpu-N run, exits → ExitDispatcher → buses;
 *      │                                 vmm-io serves ioeventfds/TAPs (see IoEventLoop)
 *      │                  pause() ⇄ resume(): every vCPU parked at an exit boundary, vmm-io parked,
 *      │                                      kvm-clock held still (see pause())
 *      │                  stop(reason) from anyone, or every vCPU halted ─► STOPPED
 *      ▼
 *   close(): 1. stop the vCPUs and join them (holding no lock stop() needs)
 *            2. stop and join vmm-io
 *            3. only if both joined: unmap guest RAM and kvm_run pages, close vCPU and VM fds
 * </pre>
 * Other threads never flip a vCPU's state: they send it commands (see {@link VcpuThread}). A thread
 * that does not end in time is reported and keeps everything it may touch mapped (leaked rather than
 * unmapped under a live thread); {@link #release()} may be called again to retry.
 */
public final class VirtualMachine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VirtualMachine.class);
    private static final long PAGE_SIZE = 4096;
    private static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(10);

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
    public record Config(List<RamRegion> ram, int vcpus, boolean irqchip, Path memoryFile) {
        public Config {
            ram = List.copyOf(ram);
            if (vcpus < 1) {
                throw new IllegalArgumentException("a machine needs at least one vCPU, got " + vcpus);
            }
        }

        /** Fresh, zeroed RAM, each region a memfd of its own. */
        public Config(List<RamRegion> ram, int vcpus, boolean irqchip) {
            this(ram, vcpus, irqchip, null);
        }
    }

    /** What {@code /proc/PID/maps} calls a fresh VM's guest RAM ({@code /memfd:jvmm-guest-ram}). */
    public static final String RAM_MEMFD_NAME = "jvmm-guest-ram";

    /** Configures a vCPU (registers, CPUID, MSRs ...) on its own thread before its first KVM_RUN. */
    @FunctionalInterface
    public interface VcpuSetup {
        void configure(VcpuFd vcpu);
    }

    private final VmFd vm;
    private final List<Mapping> ramMappings;
    private final List<OwnedFd> ramFiles; // one memfd per region, or empty when mapped from a memory file
    private final GuestMemory memory;
    private final List<VcpuFd> vcpus;
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    private final ExitStats stats = new ExitStats();
    private final AtomicReference<MachineExit> exit = new AtomicReference<>();
    private final IoEventLoop io = new IoEventLoop(this::stop);
    /** Serializes start, pause, resume and close. Never taken by stop(), vCPU threads or vmm-io. */
    private final ReentrantLock transitions = new ReentrantLock();
    /**
     * kvm-clock held while the vCPUs do not run (guarded by {@code transitions}): taken at pause(), set
     * again at resume(), so the guest's clock stands still while paused, as QEMU keeps it. A guest whose
     * clock jumped replays every periodic tick it missed, one by one; where its kernel code is emulated
     * (~1000× slower) a jump of seconds is a replay longer than the time it covers, which never ends.
     */
    private KvmClockData heldClock;
    /** Guards the fields below; held only for short, non-blocking steps. */
    private final Object stateLock = new Object();
    private MachineState state = MachineState.CREATED;
    private List<VcpuThread> threads = List.of();
    private CountDownLatch running;
    private boolean released;
    private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
    private RipSamples ripSamples;
    private Duration sampleInterval;
    private Thread profiler;
    private ExitTrace exitTrace; // set before start, read by start; guarded by stateLock

    private VirtualMachine(VmFd vm, List<Mapping> ramMappings, List<OwnedFd> ramFiles, GuestMemory memory,
                           List<VcpuFd> vcpus) {
        this.vm = vm;
        this.ramMappings = ramMappings;
        this.ramFiles = ramFiles;
        this.memory = memory;
        this.vcpus = vcpus;
    }

    /**
     * Creates the VM, maps its RAM and its vCPUs. Fresh RAM is a memfd per region (so that it can be
     * written out without touching its holes), untouched until used; with {@link Config#memoryFile()} the
     * regions are mapped MAP_PRIVATE from that file, one after the other: pages are read when first
     * touched and copied when first written (the file is never written; it must stay as it is while
     * the VM lives). Memory is registered before the irqchip is created: the other order costs ~7.5 ms
     * in the first KVM_SET_USER_MEMORY_REGION on emulating hosts (docs/emulating-hosts.md).
     */
    public static VirtualMachine create(Kvm kvm, Config config) {
        VmFd vm = kvm.createVm();
        List<Mapping> mappings = new ArrayList<>();
        List<OwnedFd> files = new ArrayList<>();
        List<VcpuFd> vcpus = new ArrayList<>();
        OwnedFd memoryFile = null;
        try {
            vm.setTssAddr(KVM_TSS_ADDRESS);
            List<GuestRegion> regions = new ArrayList<>();
            if (config.memoryFile() != null) {
                memoryFile = Sys.open(config.memoryFile().toString(), Sys.O_RDONLY | Sys.O_CLOEXEC);
            }
            int slot = 0;
            long fileOffset = 0;
            for (RamRegion r : config.ram()) {
                Mapping m;
                if (memoryFile != null) {
                    m = Sys.mmap(r.size(), Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_PRIVATE | Sys.MAP_NORESERVE,
                            memoryFile.fd(), fileOffset, "guest RAM at " + r.start() + " from " + config.memoryFile());
                    fileOffset += r.size();
                } else {
                    OwnedFd ram = Sys.memfd(RAM_MEMFD_NAME, r.size());
                    files.add(ram);
                    m = Sys.mmap(r.size(), Sys.PROT_READ | Sys.PROT_WRITE, Sys.MAP_SHARED | Sys.MAP_NORESERVE,
                            ram.fd(), 0, "guest RAM at " + r.start());
                }
                mappings.add(m);
                vm.setUserMemoryRegion(slot++, r.start().value(), r.size(), m.address());
                // A restored region is a private mapping of the snapshot's file: written only through the mapping.
                OwnedFd ramFd = memoryFile == null ? files.getLast() : null;
                regions.add(ramFd == null ? new GuestRegion(r.start(), m.segment())
                        : new GuestRegion(r.start(), m.segment(), (offset, src) -> writeRam(ramFd, m.segment(), offset, src)));
            }
            if (config.irqchip()) {
                vm.createIrqchip();
                vm.createPit2(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY);
            }
            GuestMemory memory = GuestMemory.of(regions);
            for (int i = 0; i < config.vcpus(); i++) {
                vcpus.add(vm.createVcpu(i));
            }
            return new VirtualMachine(vm, mappings, files, memory, vcpus);
        } catch (RuntimeException e) {
            vcpus.forEach(VcpuFd::close);
            mappings.forEach(Mapping::close);
            files.forEach(OwnedFd::close);
            vm.close();
            throw e;
        } finally {
            if (memoryFile != null) {
                memoryFile.close(); // the mappings hold the file
            }
        }
    }

    /**
     * The memfd behind RAM region {@code i} (in address order), or -1 when the region is mapped from a
     * memory file. Valid until {@link #release()}.
     */
    public int ramFd(int i) {
        return ramFiles.isEmpty() ? -1 : ramFiles.get(i).fd();
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

    /** The I/O thread's loop: register device sources here before {@link #start}; it starts, pauses and stops with the machine. */
    public IoEventLoop io() {
        return io;
    }

    public MachineState state() {
        synchronized (stateLock) {
            return state;
        }
    }

    public int vcpuCount() {
        return vcpus.size();
    }

    /**
     * The kernel's ids of the vCPU threads now running (their /proc/self/task entries), in vCPU order; a vCPU
     * whose thread has not started or has ended is left out.
     */
    public List<Integer> vcpuThreadIds() {
        List<VcpuThread> ts;
        synchronized (stateLock) {
            ts = threads;
        }
        List<Integer> ids = new ArrayList<>();
        for (VcpuThread t : ts) {
            int tid = t.nativeTid();
            if (tid > 0) {
                ids.add(tid);
            }
        }
        return ids;
    }

    /** Traces every exit ({@code --trace-exits}): as lines or as a summary; call before {@link #start}. */
    public void traceExits(ExitTrace trace) {
        synchronized (stateLock) {
            refuseUnless(MachineState.CREATED, "trace exits");
            exitTrace = trace;
        }
    }

    /**
     * Starts the I/O thread and one named thread per vCPU ({@code vcpu-0} …). Each runs {@code setup} on
     * itself, then the guest; exits are dispatched with a dispatcher over this machine's buses.
     *
     * @param trace receives one line per exit when non-null (else the {@link #traceExits} set, if any)
     */
    public void start(VcpuSetup setup, Consumer<String> trace) {
        start(setup, trace, false);
    }

    /**
     * {@link #start(VcpuSetup, Consumer)}, or with {@code paused} straight into PAUSED: each vCPU runs
     * {@code setup} and parks before it enters the guest (its first KVM_RUN returns at once: the PAUSE
     * is queued before the thread starts); {@link #resume()} lets them run. For restored machines.
     */
    public void start(VcpuSetup setup, Consumer<String> trace, boolean paused) {
        start(setup, trace, paused, false);
    }

    /**
     * Starts the machine running with a step between the vCPUs' setup and their first KVM_RUN: each vCPU
     * thread runs {@code setup}, the last one to finish runs {@code afterAll} (every vCPU is set up then and
     * none has entered the guest), and only then do the vCPUs and the I/O thread go. Neither the caller nor
     * the vCPU threads wait for each other's acknowledgement, which a start through PAUSED (set up, park,
     * resume) costs in thread hand-offs: this is how a restored machine starts. A setup that throws stops the
     * machine, and {@code afterAll} is not run; one that throws stops it too.
     */
    public void startAfterSetup(VcpuSetup setup, Runnable afterAll) {
        Objects.requireNonNull(afterAll);
        AtomicInteger toSetUp = new AtomicInteger(vcpus.size());
        AtomicBoolean failed = new AtomicBoolean();
        CountDownLatch allSetUp = new CountDownLatch(1);
        VcpuSetup gated = vcpu -> {
            boolean ok = false;
            try {
                setup.configure(vcpu);
                ok = true;
            } finally {
                if (!ok) {
                    failed.set(true);
                }
                if (toSetUp.decrementAndGet() == 0) {
                    try {
                        if (!failed.get()) {
                            afterAll.run();
                        }
                    } finally {
                        io.release();
                        allSetUp.countDown();
                    }
                }
            }
            awaitUninterruptibly(allSetUp); // a vCPU whose setup threw does not wait: its thread ends
        };
        start(gated, null, false, true);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void start(VcpuSetup setup, Consumer<String> trace, boolean paused, boolean holdIo) {
        transitions.lock();
        try {
            ExitTrace traced;
            synchronized (stateLock) {
                refuseUnless(MachineState.CREATED, "start");
                traced = trace != null ? ExitTrace.lines(trace) : exitTrace;
            }
            io.start(holdIo);
            ExitDispatcher dispatcher = new ExitDispatcher(pio, mmio, memory, stats, traced);
            CountDownLatch latch = new CountDownLatch(vcpus.size());
            List<VcpuThread> ts = new ArrayList<>();
            for (VcpuFd fd : vcpus) {
                ts.add(new VcpuThread(fd, setup, dispatcher, this::stop, () -> vcpuEnded(latch), ripSamples));
            }
            synchronized (stateLock) {
                refuseUnless(MachineState.CREATED, "start"); // a stop() may have come meanwhile
                threads = List.copyOf(ts);
                running = latch;
                state = paused ? MachineState.PAUSED : MachineState.RUNNING;
            }
            if (!paused) {
                releaseHeldClock();
            }
            List<CompletableFuture<Void>> parked = new ArrayList<>();
            if (paused) {
                ts.forEach(t -> parked.add(t.send(VcpuThread.Command.PAUSE)));
                io.pause();
            }
            ts.forEach(VcpuThread::start);
            parked.forEach(CompletableFuture::join); // set up and parked: their state may be read now
            if (ripSamples != null) {
                profiler = Thread.ofPlatform().name("guest-profiler").daemon(true).start(() -> {
                    try {
                        while (!latch.await(sampleInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                            if (state() == MachineState.RUNNING) {
                                ts.forEach(VcpuThread::requestSample);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        } finally {
            transitions.unlock();
        }
    }

    /** Runs on each vCPU thread as it ends; the last one ends the machine. */
    private void vcpuEnded(CountDownLatch latch) {
        latch.countDown();
        if (latch.getCount() == 0) {
            exit.compareAndSet(null, MachineExit.ok("all vCPUs halted"));
            synchronized (stateLock) {
                state = MachineState.STOPPED;
            }
        }
    }

    /**
     * Samples every vCPU's RIP each {@code interval} once started ({@code --profile-guest}). Call before
     * {@link #start}. Each sample costs one exit per vCPU.
     */
    public RipSamples enableProfiling(Duration interval) {
        synchronized (stateLock) {
            refuseUnless(MachineState.CREATED, "enable profiling");
            sampleInterval = interval;
            ripSamples = new RipSamples();
            return ripSamples;
        }
    }

    /**
     * Pauses the machine: returns once every vCPU has left KVM_RUN at an exit boundary and parked, and
     * the I/O thread has parked between two handler runs. Throws if the machine is not running, or when
     * called from one of the machine's own threads (it would wait for itself).
     */
    public void pause() {
        refuseOwnThread("pause");
        transitions.lock();
        try {
            List<VcpuThread> ts;
            synchronized (stateLock) {
                refuseUnless(MachineState.RUNNING, "pause");
                state = MachineState.PAUSED;
                ts = threads;
            }
            List<CompletableFuture<Void>> parked = ts.stream().map(t -> t.send(VcpuThread.Command.PAUSE)).toList();
            parked.forEach(CompletableFuture::join); // an ended vCPU acknowledges at once
            io.pause(); // the vCPUs, which notify it, are quiet: now the device side
            heldClock = vm.getClock();
        } finally {
            transitions.unlock();
        }
    }

    /**
     * The guest's kvm-clock: while PAUSED (or CREATED with a {@link #holdClock held} value) the value it
     * will go on from, else the running clock.
     */
    public KvmClockData clock() {
        transitions.lock();
        try {
            return heldClock != null ? heldClock : vm.getClock();
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Makes the guest's kvm-clock go on from {@code clock} when its vCPUs next run (at {@link #start}
     * unpaused, else at {@link #resume}): a restored machine's saved clock, set only then so that the
     * time the restore took does not show in the guest. Only while CREATED or PAUSED.
     */
    public void holdClock(KvmClockData clock) {
        Objects.requireNonNull(clock, "clock");
        transitions.lock();
        try {
            synchronized (stateLock) {
                if (state != MachineState.CREATED && state != MachineState.PAUSED) {
                    throw new IllegalStateException("cannot set the guest clock: the machine is " + state.words());
                }
            }
            heldClock = clock;
        } finally {
            transitions.unlock();
        }
    }

    /** The held clock (if any) into KVM, just before the vCPUs run; under {@code transitions}. */
    private void releaseHeldClock() {
        if (heldClock != null) {
            vm.setClock(heldClock.clearFlags());
            heldClock = null;
        }
    }

    /** Resumes a paused machine: the I/O thread first, then every vCPU. Throws unless paused. */
    public void resume() {
        refuseOwnThread("resume");
        transitions.lock();
        try {
            List<VcpuThread> ts;
            synchronized (stateLock) {
                refuseUnless(MachineState.PAUSED, "resume");
                state = MachineState.RUNNING;
                ts = threads;
            }
            releaseHeldClock();
            io.resume();
            ts.stream().map(t -> t.send(VcpuThread.Command.RESUME)).toList().forEach(CompletableFuture::join);
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Runs {@code task} on every vCPU's own thread (vCPU ioctls come from there) while the machine is
     * paused, one vCPU after the other in id order; returns when all have run. Throws
     * IllegalStateException unless paused, and what a task threw (the rest are not run).
     */
    public void onEachVcpu(Consumer<VcpuFd> task) {
        refuseOwnThread("read vCPU state");
        transitions.lock();
        try {
            List<VcpuThread> ts;
            synchronized (stateLock) {
                refuseUnless(MachineState.PAUSED, "read vCPU state");
                ts = threads;
            }
            for (VcpuThread t : ts) {
                try {
                    t.run(task).join();
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw e;
                }
            }
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Asks the machine to stop with {@code reason} (the first reason given wins). Returns at once; safe
     * from any thread, including vCPU threads, the I/O thread and device callbacks, in any state. Does
     * nothing once the machine was closed.
     */
    public void stop(MachineExit reason) {
        Objects.requireNonNull(reason);
        List<VcpuThread> ts;
        synchronized (stateLock) {
            if (released) {
                return;
            }
            state = MachineState.STOPPED;
            ts = threads;
        }
        if (exit.compareAndSet(null, reason)) {
            LOG.debug("stopping: {}", reason.reason());
        }
        ts.forEach(t -> t.send(VcpuThread.Command.STOP));
    }

    /** Waits until every vCPU thread has ended; returns why the machine ended, or null on timeout. */
    public MachineExit awaitExit(Duration timeout) throws InterruptedException {
        CountDownLatch latch;
        synchronized (stateLock) {
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

    /** How long {@link #release()} waits for each thread (tests shorten it). */
    void joinTimeout(Duration timeout) {
        synchronized (stateLock) {
            joinTimeout = timeout;
        }
    }

    /** {@link #release()}; a thread that did not end is reported there (and the resources it may use kept). */
    @Override
    public void close() {
        release();
    }

    /**
     * The ordered teardown (see the class comment). Returns true once every thread has ended and every
     * fd and mapping is released; false if a vCPU or the I/O thread did not end within the join timeout:
     * that is logged, guest RAM, kvm_run pages and fds stay as they are, and a later call tries again.
     * Callers keep their own resources that those threads may use (device fds) when this returns false.
     */
    public boolean release() {
        refuseOwnThread("close");
        transitions.lock();
        try {
            Duration timeout;
            synchronized (stateLock) {
                if (released) {
                    return true;
                }
                timeout = joinTimeout;
            }
            stop(MachineExit.ok("machine closed"));
            if (profiler != null) {
                profiler.interrupt();
                try {
                    profiler.join(timeout);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            List<VcpuThread> ts;
            synchronized (stateLock) {
                ts = threads;
            }
            // Join without holding stateLock: a vCPU ending its exit handler may call stop() meanwhile.
            for (VcpuThread t : ts) {
                if (!t.join(timeout)) {
                    LOG.error("vcpu-{} did not stop within {} s; guest RAM, kvm_run pages and VM fds stay mapped",
                            t.id(), timeout.toSeconds());
                    return false;
                }
            }
            if (!io.stopAndJoin(timeout)) {
                LOG.error("vmm-io did not stop within {} s; guest RAM and device fds stay mapped", timeout.toSeconds());
                return false;
            }
            vcpus.forEach(VcpuFd::close);
            ramMappings.forEach(Mapping::close);
            ramFiles.forEach(OwnedFd::close);
            vm.close();
            synchronized (stateLock) {
                released = true;
                state = MachineState.STOPPED;
            }
            return true;
        } finally {
            transitions.unlock();
        }
    }

    /** True once {@link #release()} has released everything. */
    public boolean isReleased() {
        synchronized (stateLock) {
            return released;
        }
    }

    private void refuseUnless(MachineState wanted, String what) {
        if (state != wanted) {
            String expected = switch (wanted) {
                case CREATED -> "new";
                case RUNNING -> "running";
                case PAUSED -> "paused";
                case STOPPED -> "stopped";
            };
            throw new IllegalStateException("cannot " + what + ": the machine is not " + expected + " (it is "
                    + state.words() + ")");
        }
    }

    private void refuseOwnThread(String what) {
        List<VcpuThread> ts;
        synchronized (stateLock) {
            ts = threads;
        }
        if (io.isLoopThread() || ts.stream().anyMatch(VcpuThread::isCurrentThread)) {
            throw new IllegalStateException("cannot " + what + " from the machine's own " + Thread.currentThread().getName()
                    + " thread (it would wait for itself); use stop()");
        }
    }

    /**
     * Writes {@code src} into the RAM memfd at {@code offset} (see {@link GuestRegion#fileWriter()}), then maps
     * the written pages into this process as a copy through {@code ram} would have: the guest's first touch of
     * them then needs no host page fault, and they count in the mapping's Rss, which is what the bench reports
     * as guest memory (~0.8 ms per 10 MiB here).
     */
    static void writeRam(OwnedFd ramFd, MemorySegment ram, long offset, MemorySegment src) {
        try {
            Sys.pwriteFully(ramFd.fd(), src, offset, "guest RAM");
        } catch (SysCallException e) {
            // EFAULT: the source could not be read (a mapped file that shrank after it was mapped).
            throw new GuestMemoryException(String.format("writing 0x%x bytes to guest RAM at +0x%x failed: %s",
                    src.byteSize(), offset, e.getMessage()), e);
        }
        long from = offset & -PAGE_SIZE;
        long to = Math.min(ram.byteSize(), (offset + src.byteSize() + PAGE_SIZE - 1) & -PAGE_SIZE);
        try {
            Sys.madvise(ram.asSlice(from, to - from), Sys.MADV_POPULATE_READ);
        } catch (SysCallException e) {
            // A kernel before 5.14 (EINVAL): the pages are mapped when first touched instead.
        }
    }
}
