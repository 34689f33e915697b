package io.jvmm.machine;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.devices.legacy.BootTimer;

/**
 * What a front end (the CLI, the benchmark, an API server) hears of a running machine, registered with
 * {@link Machine#addListener} before {@link Machine#start()}. Every method does nothing by default.
 *
 * <p>Times are {@link System#nanoTime()} readings. Events come on the machine's threads — a vCPU thread,
 * the serial's writer, the thread that waits for the exit — so an implementation is quick, does not
 * block and is safe to call from several threads; an exception it throws is logged and ignored.
 *
 * <pre>
 *   build ─► start ─► firstRun ─► firstGuestExit ─► consoleOutput* ─► bootTimerFired ─► exited
 *                     (vcpu-0)    (a vCPU thread)   (serial writer)    (a vCPU thread)   (waiter)
 * </pre>
 * A restored machine tells firstRun on the vCPU thread that restored its state last, once every vCPU's is.
 */
public interface MachineListener {
    /**
     * vcpu-0 is set up and about to enter the guest for the first time (its first KVM_RUN); for a restored
     * machine: every vCPU's state is restored and they are about to enter the guest.
     */
    default void firstRun(long nanoTime) {
    }

    /** The guest's first exit to the VMM, of any vCPU: the guest is running. */
    default void firstGuestExit(long nanoTime) {
    }

    /**
     * The guest wrote {@code length} bytes to its console (COM1), in the batches the UART passes on;
     * the bytes are only valid during the call.
     */
    default void consoleOutput(byte[] data, int offset, int length) {
    }

    /** The guest signalled "booted" on the boot timer (its first signal only). */
    default void bootTimerFired(BootTimer.BootTime time) {
    }

    /**
     * The machine ended, for {@code exit}'s reason; reported once, to the thread that waited for it
     * ({@link Machine#awaitExit}), while the machine is still built (its guest RAM still mapped).
     */
    default void exited(Machine machine, MachineExit exit) {
    }
}
