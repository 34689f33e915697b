package io.jvmm.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.core.irq.InterruptLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Guest output and a console that does not read (a full pipe, Ctrl-S on the terminal). */
class SerialOutputTest {
    /** A console sink whose write(2) blocks until released, as on a full pipe. */
    static final class StuckConsole extends OutputStream {
        final CountDownLatch inWrite = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            inWrite.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            synchronized (got) {
                got.write(b, off, len);
            }
        }

        String text() {
            synchronized (got) {
                return got.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    private static Thread vcpu(String name, Runnable r) {
        return Thread.ofPlatform().name(name).daemon(true).start(r);
    }

    @Test
    @Timeout(60)
    void noVcpuWaitsForAConsoleThatDoesNotRead() throws Exception {
        StuckConsole console = new StuckConsole();
        Serial uart = new Serial(InterruptLine.NONE, console);
        Thread vcpu0 = vcpu("test-vcpu-0", () -> uart.write(Serial.UART_TX, new byte[] {'\n'}));
        assertTrue(console.inWrite.await(20, TimeUnit.SECONDS), "the line never reached the console");
        vcpu0.join(20_000);
        assertFalse(vcpu0.isAlive(), "the vCPU that ended a line waits in the console's write");
        Thread vcpu1 = vcpu("test-vcpu-1", () -> {
            for (int i = 0; i < 1000; i++) {
                uart.write(Serial.UART_TX, new byte[] {'x'});
            }
            uart.write(Serial.UART_TX, new byte[] {'\n'});
        });
        vcpu1.join(20_000);
        assertFalse(vcpu1.isAlive(), "another vCPU's transmit waits while the console is stuck");
        console.release.countDown();
        uart.flush();
        assertEquals("\n" + "x".repeat(1000) + "\n", console.text());
    }

    @Test
    @Timeout(60)
    void aStuckConsoleKeepsTheNewestOutputAndCountsWhatWasDropped() throws Exception {
        StuckConsole console = new StuckConsole();
        SerialOutput out = new SerialOutput(console);
        out.append((byte) '\n');
        out.requestFlush();
        assertTrue(console.inWrite.await(20, TimeUnit.SECONDS));
        // The writer is stuck with "\n"; fill the buffer past its bound: the oldest 100 bytes go.
        int total = SerialOutput.CAPACITY + 100;
        StringBuilder expected = new StringBuilder("\n");
        for (int i = 0; i < total; i++) {
            byte b = (byte) ('a' + i % 26);
            if (out.append(b)) {
                out.requestFlush();
            }
            if (i >= 100) {
                expected.append((char) b);
            }
        }
        assertEquals(100, out.droppedBytes());
        assertEquals(SerialOutput.CAPACITY, out.ringCapacity(), "the ring grew to its bound while the console was stuck");
        assertFalse(out.drain(10, TimeUnit.MILLISECONDS), "drain reports a console that does not take the output");
        console.release.countDown();
        assertTrue(out.drain(20, TimeUnit.SECONDS));
        assertEquals(expected.toString(), console.text());
        assertEquals(100, out.droppedBytes());
        assertEquals(0, out.lostBytes());
    }

    @Test
    @Timeout(60)
    void bytesWaitingWhileTheRingGrowsComeOutInOrder() throws Exception {
        StuckConsole console = new StuckConsole();
        SerialOutput out = new SerialOutput(console);
        out.append((byte) '\n');
        out.requestFlush();
        assertTrue(console.inWrite.await(20, TimeUnit.SECONDS));
        StringBuilder expected = new StringBuilder("\n");
        for (int i = 0; i < 3 * SerialOutput.INITIAL_CAPACITY + 7; i++) {   // 4 KiB -> 8 -> 16 KiB, no drops
            byte b = (byte) ('0' + i % 10);
            out.append(b);
            expected.append((char) b);
        }
        assertEquals(4 * SerialOutput.INITIAL_CAPACITY, out.ringCapacity());
        out.requestFlush();
        console.release.countDown();
        assertTrue(out.drain(20, TimeUnit.SECONDS));
        assertEquals(expected.toString(), console.text());
        assertEquals(0, out.droppedBytes());
    }

    @Test
    @Timeout(60)
    void theWriterThreadEndsOnceDrained() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        SerialOutput out = new SerialOutput(sink);
        for (byte b : "hello\n".getBytes(StandardCharsets.US_ASCII)) {
            if (out.append(b)) {
                out.requestFlush();
            }
        }
        assertTrue(out.drain(20, TimeUnit.SECONDS));
        assertEquals("hello\n", sink.toString(StandardCharsets.US_ASCII));
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("serial-out") && t.isAlive()), "serial-out still running");
        // Output after a drain starts a writer again.
        out.append((byte) '!');
        assertTrue(out.drain(20, TimeUnit.SECONDS));
        assertEquals("hello\n!", sink.toString(StandardCharsets.US_ASCII));
        assertEquals(SerialOutput.INITIAL_CAPACITY, out.ringCapacity(), "a console that keeps up needs no bigger ring");
    }
}
