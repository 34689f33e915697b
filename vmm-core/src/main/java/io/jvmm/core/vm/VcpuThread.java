package io.jvmm.core.vm;

import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.kvm.VcpuFd;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.sys.VcpuKick;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The platform thread that runs one vCPU: setup, then KVM_RUN → dispatch → KVM_RUN … until the vCPU
 * halts or the machine stops.
 *
 * <p>Stop handshake (no thread pokes another's state beyond these two volatile fields): the stopper sets
 * {@code stopRequested}, then the vCPU's {@code immediate_exit}, then kicks the thread. The vCPU thread
 * publishes its kick handle before it first reads {@code stopRequested}; with both fields volatile, at
 * least one side sees the other, so a stop is never lost: either the thread sees the flag before
 * entering KVM_RUN, or the stopper sees the kick handle and the signal ends KVM_RUN (or the next one,
 * since the signal stays pending — see {@link VcpuKick}).
 */
final class VcpuThread implements VcpuView {
    private final VcpuFd vcpu;
    private final VirtualMachine.VcpuSetup setup;
    private final ExitDispatcher dispatcher;
    private final Consumer<MachineExit> stopMachine;
    private final Runnable onEnd;
    private final Thread thread;
    private volatile boolean stopRequested;
    private volatile boolean sampleRequested;
    private final RipSamples samples; // null unless profiling
    private volatile VcpuKick kick;
    /** Guards {@code kick} against use after the thread ended (its pthread_t could be reused). */
    private final Object kickLock = new Object();

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

    private void runLoop() {
        try {
            kick = VcpuKick.forCurrentThread();
            vcpu.setSignalMaskForKick();
            setup.configure(vcpu);
            while (!stopRequested) {
                VcpuExit exit = vcpu.run();
                if (exit instanceof VcpuExit.Intr) {
                    VcpuKick.consume();
                }
                if (sampleRequested) {
                    sampleRequested = false;
                    samples.add(vcpu.getRegs().rip());
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
            synchronized (kickLock) {
                kick = null;
            }
            // No kick can be sent any more; take a pending one off so the thread does not end with a
            // signal pending (whose default action would end the process if anything unblocked it).
            VcpuKick.consume();
            onEnd.run();
        }
    }

    void requestStop() {
        stopRequested = true;
        vcpu.setImmediateExit(true);
        if (Thread.currentThread() == thread) {
            return; // a device on this vCPU asked: the loop sees the flag when the exit handler returns
        }
        synchronized (kickLock) {
            if (kick != null) {
                kick.kick();
            }
        }
    }

    /**
     * Asks for one RIP sample: kicks the vCPU out of KVM_RUN, and its thread records the RIP before
     * entering the guest again (vCPU ioctls must come from the vCPU's own thread).
     */
    void requestSample() {
        if (samples == null || stopRequested) {
            return;
        }
        sampleRequested = true;
        synchronized (kickLock) {
            if (kick != null) {
                kick.kick();
            }
        }
    }

    boolean join(Duration timeout) {
        try {
            return thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
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
