package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.devices.legacy.BootTimer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole machine through the module's API: spec, hypervisor, build, listener, run, exit. */
@Tag("kvm")
@Timeout(120)
class MachineRunTest {
    @TempDir
    Path dir;

    @Test
    void helloGuestRunsAndTheListenerHearsEveryEventInOrder() throws Exception {
        ExitPathProbeTest.assumeKvm();
        MachineSpec spec = MachineSpec.builder().kernel(Files.write(dir.resolve("hello.bin"), HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).memoryBytes(1L << 20).cpuProfile(CpuProfile.HARDWARE).build();
        List<String> events = new CopyOnWriteArrayList<>();
        long[] times = new long[2];
        ByteArrayOutputStream heard = new ByteArrayOutputStream();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Hypervisor h = Hypervisor.open()) {
            try (Machine m = Machine.build(h, spec, console, System.nanoTime())) {
                m.addListener(new MachineListener() {
                    @Override
                    public void firstRun(long nanoTime) {
                        events.add("firstRun");
                        times[0] = nanoTime;
                    }

                    @Override
                    public void firstGuestExit(long nanoTime) {
                        events.add("firstGuestExit");
                        times[1] = nanoTime;
                    }

                    @Override
                    public synchronized void consoleOutput(byte[] data, int offset, int length) {
                        heard.write(data, offset, length);
                    }

                    @Override
                    public void bootTimerFired(BootTimer.BootTime time) {
                        events.add("bootTimerFired");
                    }

                    @Override
                    public void exited(Machine machine, MachineExit exit) {
                        events.add("exited " + exit.status() + " " + exit.reason());
                        assertTrue(machine.memory().totalSize() > 0, "still built");
                    }
                });
                m.start();
                MachineExit exit = m.awaitExit(Duration.ofSeconds(60));
                assertNotNull(exit);
                assertEquals(0, exit.status(), exit.reason());
                m.awaitExit(Duration.ofSeconds(1));   // reported once only
                assertEquals("hello\n", console.toString(StandardCharsets.US_ASCII));
                assertEquals("hello\n", heard.toString(StandardCharsets.US_ASCII));
                assertEquals(List.of("firstRun", "firstGuestExit", "exited 0 all vCPUs halted"), events);
                assertTrue(m.buildStartNanos() < times[0] && times[0] < times[1], "build < first KVM_RUN < first exit");
                assertEquals(times[0], m.firstRunNanos());
                assertEquals(times[1], m.firstExitNanos());
                assertEquals(7, m.exitCount(), m.statsReport());   // six OUTs and the HLT
                assertTrue(m.statsReport().contains("serial                    6"), m.statsReport());
            }
        }
    }

    @Test
    void hypervisorErrorsNameTheDevice() throws Exception {
        Path missing = dir.resolve("kvm");
        HypervisorException e = assertThrows(HypervisorException.class, () -> Hypervisor.open(missing.toString()));
        assertTrue(e.getMessage().startsWith(missing + " does not exist"), e.getMessage());
        Path file = Files.write(dir.resolve("not-kvm"), new byte[1]);
        e = assertThrows(HypervisorException.class, () -> Hypervisor.open(file.toString()));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().endsWith("is it the KVM device?"), e.getMessage());
    }

    @Test
    void tooManyVcpusForThisHostIsASpecProblem() throws Exception {
        ExitPathProbeTest.assumeKvm();
        try (Hypervisor h = Hypervisor.open()) {
            int max = h.maxVcpus();
            if (max <= 0 || max >= MachineSpec.MAX_CPUS) {
                return;   // this host's KVM takes every count a spec can hold
            }
            MachineSpec spec = MachineSpec.builder().kernel(Files.write(dir.resolve("hello.bin"), HelloGuest.realMode()))
                    .format(MachineSpec.KernelFormat.RAW).memoryBytes(1L << 20).cpus(max + 1).build();
            MachineSpecException e = assertThrows(MachineSpecException.class,
                    () -> Machine.build(h, spec, new ByteArrayOutputStream(), System.nanoTime()));
            assertEquals("cpus", e.field());
        }
    }
}
