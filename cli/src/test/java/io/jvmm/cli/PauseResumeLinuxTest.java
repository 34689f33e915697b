package io.jvmm.cli;

import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.lifecycle.MachineState;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One boot of the default guest (with virtio-rng, so it has an I/O thread), in process, paused and
 * resumed 10 times while it boots and 10 times at its shell prompt: no console output while paused, the boot completes, and the guest still answers
 * afterwards. Prints the pause latency (pause() called → every vCPU and the I/O thread parked); figures
 * only, no timing assertion.
 */
@Tag("boot")
class PauseResumeLinuxTest {
    static final long BOOT_TIMEOUT_S = 1500;

    /** The guest's console, collected for the test to look at. */
    static final class Console extends OutputStream {
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(int b) {
            text.append((char) (b & 0xff));
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            text.append(new String(b, off, len, StandardCharsets.ISO_8859_1));
            notifyAll();
        }

        synchronized int length() {
            return text.length();
        }

        synchronized boolean await(String marker, int from, long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (text.indexOf(marker, from) < 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
        }

        synchronized String tail() {
            return text.substring(Math.max(0, text.length() - 3000));
        }
    }

    @Test
    @Timeout(value = BOOT_TIMEOUT_S + 120, unit = TimeUnit.SECONDS)
    void linuxGuestPausedAndResumedDuringAndAfterBootAnswersAfterwards() throws Exception {
        ImageSet image = BootTestImage.minimalOrSkip();
        // virtio-rng: a vmm-io thread to pause too. The machine adds the host CPU profile's command-line words.
        MachineSpec spec = MachineSpec.builder().kernel(image.vmlinux()).initrd(image.initramfs())
                .memoryBytes(256L << 20).rng(true).build();
        Console console = new Console();
        List<Double> duringBoot = new ArrayList<>();
        List<Double> atPrompt = new ArrayList<>();
        try (Hypervisor hypervisor = Hypervisor.open(); Machine machine = Machine.build(hypervisor, spec, console, System.nanoTime())) {
            machine.start();
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vmm-io")),
                    "no I/O thread: the pauses would not cover it");
            assertTrue(console.await("Linux version", 0, BOOT_TIMEOUT_S * 1000), "the kernel printed nothing:\n" + console.tail());
            for (int i = 0; i < 10 && console.length() > 0; i++) {
                duringBoot.add(pauseAndCheckQuiet(machine, console));
                Thread.sleep(1000);
            }
            assertTrue(console.await("jvmm-init: ready", 0, BOOT_TIMEOUT_S * 1000),
                    "the guest did not finish booting after 10 pauses:\n" + console.tail());
            Thread.sleep(2000); // the shell prompt
            for (int i = 0; i < 10; i++) {
                atPrompt.add(pauseAndCheckQuiet(machine, console));
                Thread.sleep(200);
            }
            int from = console.length();
            byte[] typed = "echo alive-$((6*7))\n".getBytes(StandardCharsets.US_ASCII);
            type(machine, typed);
            assertTrue(console.await("alive-42", from, 300_000), "the guest does not answer after 20 pauses:\n" + console.tail());
            byte[] exit = "exit\n".getBytes(StandardCharsets.US_ASCII);
            type(machine, exit);
            MachineExit end = machine.awaitExit(Duration.ofSeconds(300));
            assertNotNull(end, "the guest did not power off:\n" + console.tail());
            assertTrue(end.success(), end.reason());
            assertEquals(MachineState.STOPPED, machine.state());
        }
        System.out.println("pause latency, Linux guest booting (ms):    " + summary(duringBoot));
        System.out.println("pause latency, Linux guest at its prompt (ms): " + summary(atPrompt));
        List<Double> all = new ArrayList<>(duringBoot);
        all.addAll(atPrompt);
        System.out.println("pause latency, all " + all.size() + " pauses (ms):            " + summary(all));
    }

    /** Pauses, checks that nothing reaches the console for 100 ms, resumes; returns the pause latency in ms. */
    private static double pauseAndCheckQuiet(Machine machine, Console console) throws InterruptedException {
        long t0 = System.nanoTime();
        machine.pause();
        double ms = (System.nanoTime() - t0) / 1e6;
        assertEquals(MachineState.PAUSED, machine.state());
        int before = console.length();
        Thread.sleep(100);
        assertEquals(before, console.length(), "the guest wrote to its console while paused");
        machine.resume();
        assertEquals(MachineState.RUNNING, machine.state());
        return ms;
    }

    private static String summary(List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return String.format("n=%d min %.3f median %.3f max %.3f", s.size(), s.getFirst(), s.get(s.size() / 2), s.getLast());
    }

    /** Offers {@code bytes} to the guest's UART as its receive FIFO makes room (the device never blocks). */
    private static void type(Machine machine, byte[] bytes) throws InterruptedException {
        int off = 0;
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (off < bytes.length) {
            off += machine.serial().offerInput(bytes, off, bytes.length - off);
            if (off < bytes.length) {
                assertTrue(System.nanoTime() < deadline, "the guest stopped reading its console");
                Thread.sleep(20);
            }
        }
    }
}
