package io.jvmm.core.vm;

import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.sys.VcpuKick;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The platform thread that runs one vCPU: setup, then KVM_RUN → dispatch → KVM_RUN … until the vCPU
 * halts or is told to stop.
 *
 * <p>Other threads never touch this thread's state: they send it a {@link Command} and, if they need
 * to, wait for its acknowledgement. The thread serves its commands at an exit boundary, between two
 * KVM_RUNs (vCPU ioctls must come from the vCPU's own thread, so a RIP sample is a command too):
 * <pre>
 *   sender:  queue.add(cmd) ─► immediate_exit = 1 ─► kick (SIGRTMIN+3)
 *   vCPU:    … KVM_RUN returns EINTR ─► immediate_exit = 0 ─► serve queue ─► KVM_RUN …
 *                                                                        │ PAUSE: ack, park in take()
 *                                                                        │ RESUME: ack, run on
 *                                                                        └ STOP: end the thread
 * </pre>
 * A command is never lost: the vCPU clears {@code immediate_exit} (a volatile store) before it looks at
 * the queue, and the sender sets it after adding; a command that comes after the look finds
 * {@code immediate_exit} set, so the next KVM_RUN returns EINTR at once (and the kick, pending while the
 * thread is outside KVM_RUN, would end it too; see {@link VcpuKick}). A stale {@code immediate_exit}
 * (its command was taken before the sender set it) costs one empty EINTR round. Commands sent once the thread has ended
 * are acknowledged at once without touching the vCPU: its kvm_run page may be unmapped by then.
 */
final class VcpuThread implements VcpuView {
    /** What other threads ask of a vCPU. */
    enum Command { PAUSE, RESUME, STOP, SAMPLE, TASK }

    /** {@code task} is run for TASK only (on this vCPU's thread, with its fd). */
    private record Request(Command command, CompletableFuture<Void> done, Consumer<VcpuFd> task) {
    }

    private final VcpuFd vcpu;
    private final VirtualMachine.VcpuSetup setup;
    private final ExitDispatcher dispatcher;
    private final Consumer<MachineExit> stopMachine;
    private final Runnable onEnd;
    private final Thread thread;
    private final RipSamples samples; // null unless profiling
    private final LinkedBlockingQueue<Request> commands = new LinkedBlockingQueue<>();
    /** Guards {@code ended} and {@code kick}: nothing is sent to the vCPU or its thread once it ended. */
    private final Object lock = new Object();
    private boolean ended;
    private VcpuKick kick;
    private boolean samplePending; // coalesces SAMPLE commands; guarded by lock

    VcpuThread(VcpuFd vcpu, VirtualMachine.VcpuSetup setup, ExitDispatcher dispatcher,
               Consumer<MachineExit> stopMachine, Runnable onEnd, RipSamples samples) {
        this.samples = samples;
        this.vcpu = vcpu;
        this.setup = setup;
        this.dispatcher = dispatcher;
        this.stopMachine = stopMachine;
        this.onEnd = onEnd;
        this.thread = Thread.ofPlatform().name("vcpu-" + vcpu.id()).unstarted(this::runLoop);
    }

    void start() {
        thread.start();
    }

    /** The kernel's id of this vCPU's thread (its /proc/self/task entry), or -1 before it ran or after it ended. */
    int nativeTid() {
        synchronized (lock) {
            return kick == null ? -1 : kick.tid();
        }
    }

    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    private void runLoop() {
        try {
            VcpuKick k = VcpuKick.forCurrentThread();
            synchronized (lock) {
                kick = k;
            }
            vcpu.setSignalMaskForKick();
            setup.configure(vcpu);
            while (true) {
                VcpuExit exit = vcpu.run();
                // Every command sets immediate_exit, so it ends the next KVM_RUN with EINTR at the latest.
                if (exit instanceof VcpuExit.Intr) {
                    drainKicks();
                    if (serveCommands()) {
                        return;
                    }
                }
                VcpuAction action = dispatcher.dispatch(this, exit);
                if (action instanceof VcpuAction.Halt) {
                    return;
                }
                if (action instanceof VcpuAction.Stop(MachineExit reason)) {
                    stopMachine.accept(reason);
                    return;
                }
            }
        } catch (Throwable t) {
            // A jvmm bug or a failed ioctl: the machine cannot go on, but the process must end cleanly.
            stopMachine.accept(MachineExit.failure("vcpu-" + vcpu.id() + ": " + t.getMessage(), t));
        } finally {
            synchronized (lock) {
                ended = true;
                kick = null;
            }
            // No kick can be sent any more; take pending ones off so the thread does not end with a
            // signal pending (whose default action would end the process if anything unblocked it).
            drainKicks();
            Request r;
            while ((r = commands.poll()) != null) {
                if (r.command() == Command.TASK) {
                    r.done().completeExceptionally(new IllegalStateException("vcpu-" + vcpu.id() + " has ended"));
                } else {
                    r.done().complete(null); // an ended vCPU is as quiet as a parked one
                }
            }
            onEnd.run();
        }
    }

    /** Takes every pending kick: real-time signals queue, so several commands' kicks may be pending. */
    private static void drainKicks() {
        while (VcpuKick.consume()) {
            // one more was pending
        }
    }

    /**
     * Serves queued commands; parks (blocked in take) between PAUSE and RESUME. Returns true on STOP.
     * Runs on this vCPU's thread, at an exit boundary.
     */
    private boolean serveCommands() throws InterruptedException {
        vcpu.setImmediateExit(false); // before looking at the queue: see the class comment
        boolean parked = false;
        while (true) {
            Request r = parked ? commands.take() : commands.poll();
            if (r == null) {
                return false;
            }
            switch (r.command()) {
                case PAUSE -> parked = true;
                case RESUME -> parked = false;
                case STOP -> {
                    r.done().complete(null);
                    return true;
                }
                case SAMPLE -> {
                    synchronized (lock) {
                        samplePending = false;
                    }
                    if (!parked) {
                        samples.add(vcpu.getRegs().rip());
                    }
                }
                case TASK -> {
                    try {
                        r.task().accept(vcpu);
                    } catch (RuntimeException e) {
                        r.done().completeExceptionally(e); // the sender reports it; the vCPU stays as it is
                        continue;
                    }
                }
            }
            r.done().complete(null);
        }
    }

    /**
     * Sends {@code command}; the future completes once the vCPU has acted on it (for PAUSE: it is parked)
     * or at once if the thread has ended. Safe from any thread; from this vCPU's own thread the command is
     * served when its exit handler returns.
     */
    CompletableFuture<Void> send(Command command) {
        return send(new Request(command, new CompletableFuture<>(), null));
    }

    /**
     * Runs {@code task} on this vCPU's thread at its next exit boundary (or while it is parked); the
     * future completes when it has run, exceptionally with what it threw, or with an
     * IllegalStateException when the thread has ended (its fd must not be used then).
     */
    CompletableFuture<Void> run(Consumer<VcpuFd> task) {
        return send(new Request(Command.TASK, new CompletableFuture<>(), task));
    }

    private CompletableFuture<Void> send(Request r) {
        synchronized (lock) {
            if (ended) {
                if (r.command() == Command.TASK) {
                    r.done().completeExceptionally(new IllegalStateException("vcpu-" + vcpu.id() + " has ended"));
                } else {
                    r.done().complete(null);
                }
                return r.done();
            }
            commands.add(r);
            vcpu.setImmediateExit(true); // the kvm_run page stays mapped until this thread has ended
            if (kick != null && !isCurrentThread()) {
                kick.kick();
            }
        }
        return r.done();
    }

    /**
     * Asks for one RIP sample: the vCPU leaves KVM_RUN and records its RIP before entering the guest
     * again. At most one sample is pending; none is taken while the vCPU is parked.
     */
    void requestSample() {
        if (samples == null) {
            return;
        }
        synchronized (lock) {
            if (samplePending || ended) {
                return;
            }
            samplePending = true;
        }
        send(Command.SAMPLE);
    }

    boolean join(Duration timeout) {
        try {
            return thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    @Override
    public int id() {
        return vcpu.id();
    }

    @Override
    public long rip() {
        return vcpu.getRegs().rip();
    }

    @Override
    public long translate(long address) {
        return vcpu.translate(address);
    }
}
