package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuProfile;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The machine's lifecycle through its public API, with a raw guest that prints and then spins. */
@Tag("kvm")
@Timeout(60)
class MachineLifecycleTest {
    /** Real mode at 0x1000: print "hi\n" on COM1, then spin until stopped. */
    static final byte[] HI_THEN_SPIN = {
            (byte) 0xba, (byte) 0xf8, 0x03,     // mov dx, 0x3f8
            (byte) 0xb0, 'h', (byte) 0xee,      // mov al, 'h'; out dx, al
            (byte) 0xb0, 'i', (byte) 0xee,      // mov al, 'i'; out dx, al
            (byte) 0xb0, '\n', (byte) 0xee,     // mov al, '\n'; out dx, al
            (byte) 0xeb, (byte) 0xfe};          // jmp $

    @Test
    void statesTransitionsAndTheTeardownOrder(@TempDir Path dir) throws Exception {
        Path dev = Path.of(Hypervisor.DEV_KVM);
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm: KVM tests skipped");
        Path kernel = dir.resolve("hi.bin");
        Files.write(kernel, HI_THEN_SPIN);
        MachineSpec spec = MachineSpec.builder().kernel(kernel).format(MachineSpec.KernelFormat.RAW)
                .rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.REAL, 0x1000)).cmdline("")
                .memoryBytes(1 << 20).cpuProfile(CpuProfile.HARDWARE).build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<String> order = new CopyOnWriteArrayList<>();
        try (Hypervisor hypervisor = Hypervisor.open()) {
            Machine machine = Machine.build(hypervisor, spec, console, System.nanoTime());
            try {
                assertEquals(MachineState.CREATED, machine.state());
                assertEquals("cannot pause: the machine is not running (it is not started yet)",
                        assertThrows(IllegalStateException.class, machine::pause).getMessage());
                machine.addInput(() -> order.add("input stopped while the vCPUs ran: " + (machine.state() != MachineState.STOPPED)));
                machine.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!console.toString().contains("hi") && System.nanoTime() < deadline) {
                    machine.serial().flush();
                    Thread.sleep(10);
                }
                assertTrue(console.toString().contains("hi\n"), console.toString());
                // The running vCPU's thread, by the kernel's id: its /proc entry is the thread named vcpu-0.
                List<Integer> tids = machine.vcpuThreadIds();
                assertEquals(1, tids.size(), tids.toString());
                assertEquals("vcpu-0", Files.readString(Path.of("/proc/self/task", tids.getFirst().toString(), "comm")).strip());
                machine.pause();
                assertEquals(MachineState.PAUSED, machine.state());
                assertEquals("cannot pause: the machine is not running (it is paused)",
                        assertThrows(IllegalStateException.class, machine::pause).getMessage());
                machine.resume();
                assertEquals(MachineState.RUNNING, machine.state());
            } finally {
                machine.close();
            }
            assertEquals(List.of("input stopped while the vCPUs ran: true"), order, "inputs stop first");
            assertEquals(MachineState.STOPPED, machine.state());
            assertEquals(List.of(), machine.vcpuThreadIds(), "no vCPU thread once closed");
            machine.stop(MachineExit.failure("after close")); // does nothing
            machine.close();                                   // nor does a second close
            assertEquals("machine closed", machine.awaitExit(Duration.ofSeconds(1)).reason());
            assertNotNull(machine.stats());
        }
    }
}
