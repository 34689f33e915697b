package io.jvmm.machine;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.devices.legacy.BootTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A machine's listeners as one: each event goes to every listener in the order they were added; one that
 * throws is logged and the others still hear the event (a listener must never end a vCPU thread).
 */
final class MachineListeners implements MachineListener {
    private static final Logger LOG = LoggerFactory.getLogger(MachineListeners.class);

    private final List<MachineListener> listeners = new CopyOnWriteArrayList<>();

    void add(MachineListener l) {
        listeners.add(java.util.Objects.requireNonNull(l, "listener"));
    }

    private void each(String event, Consumer<MachineListener> call) {
        for (MachineListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("machine listener {} failed on {}: {}", l, event, e.toString());
            }
        }
    }

    @Override
    public void firstRun(long nanoTime) {
        each("firstRun", l -> l.firstRun(nanoTime));
    }

    @Override
    public void firstGuestExit(long nanoTime) {
        each("firstGuestExit", l -> l.firstGuestExit(nanoTime));
    }

    @Override
    public void consoleOutput(byte[] data, int offset, int length) {
        if (!listeners.isEmpty()) {
            each("consoleOutput", l -> l.consoleOutput(data, offset, length));
        }
    }

    @Override
    public void bootTimerFired(BootTimer.BootTime time) {
        each("bootTimerFired", l -> l.bootTimerFired(time));
    }

    @Override
    public void exited(Machine machine, MachineExit exit) {
        each("exited", l -> l.exited(machine, exit));
    }
}
