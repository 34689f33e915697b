package io.jvmm.machine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MachineListenersTest {
    @Test
    void aListenerThatThrowsDoesNotKeepTheEventFromTheOthers() {
        List<String> heard = new ArrayList<>();
        MachineListeners all = new MachineListeners();
        all.add(new MachineListener() {
            @Override
            public void firstRun(long nanoTime) {
                throw new IllegalStateException("listener bug");
            }
        });
        all.add(new MachineListener() {
            @Override
            public void firstRun(long nanoTime) {
                heard.add("firstRun " + nanoTime);
            }

            @Override
            public void firstGuestExit(long nanoTime) {
                heard.add("firstGuestExit " + nanoTime);
            }
        });
        all.firstRun(1);
        all.firstGuestExit(2);
        all.consoleOutput(new byte[1], 0, 1);   // a default method: nothing
        assertEquals(List.of("firstRun 1", "firstGuestExit 2"), heard);
    }
}
