package io.jvmm.cli.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleInputTest {
    /** A serial port whose guest never drains its receive FIFO (hung, panicked, still booting). */
    static final class NeverDrains implements ConsoleInput.Offer {
        final AtomicInteger offers = new AtomicInteger();

        @Override
        public int offer(byte[] data, int off, int len) {
            offers.incrementAndGet();
            return 0;
        }
    }

    @Test
    @Timeout(30)
    void ctrlAXQuitsWhileTheGuestTakesNoInput() throws Exception {
        CountDownLatch quit = new CountDownLatch(1);
        NeverDrains port = new NeverDrains();
        byte[] typed = "ls\r\u0001x".getBytes(StandardCharsets.US_ASCII);
        ConsoleInput input = new ConsoleInput(new ByteArrayInputStream(typed), port, () -> 0, true, quit::countDown);
        input.start();
        assertTrue(quit.await(10, TimeUnit.SECONDS), "Ctrl-A x did not quit while the serial port was full");
        input.stop();
        assertEquals(3, input.pendingBytes(), "what the guest did not take is held, not dropped");
    }

    @Test
    @Timeout(30)
    void ctrlASAsksForASnapshotAndTheTypingGoesOn() throws Exception {
        CountDownLatch snapshot = new CountDownLatch(2);
        CountDownLatch quit = new CountDownLatch(1);
        NeverDrains port = new NeverDrains();
        byte[] typed = "ls\u0001s\r\u0001S\u0001x".getBytes(StandardCharsets.US_ASCII);
        ConsoleInput input = new ConsoleInput(new ByteArrayInputStream(typed), port, () -> 0, true, quit::countDown,
                snapshot::countDown);
        input.start();
        assertTrue(snapshot.await(10, TimeUnit.SECONDS), "two Ctrl-A s, two snapshot requests");
        assertTrue(quit.await(10, TimeUnit.SECONDS));
        input.stop();
        assertEquals(3, input.pendingBytes(), "'ls' and CR for the guest; the escapes are not");
    }

    /** A 16-byte FIFO that the test drains as a guest would, calling back as the port does. */
    static final class Fifo implements ConsoleInput.Offer {
        final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        int level;
        boolean ready;

        @Override
        public synchronized int offer(byte[] data, int off, int len) {
            int n = ready ? Math.min(len, 16 - level) : 0;
            delivered.write(data, off, n);
            level += n;
            return n;
        }

        synchronized int space() {
            return ready ? 16 - level : 0;
        }

        synchronized void guestReads() {
            level = 0;
        }

        synchronized String text() {
            return delivered.toString(StandardCharsets.US_ASCII);
        }
    }

    /** Counts how far the reader got into the stream. */
    static final class CountingStream extends InputStream {
        final ByteArrayInputStream data;
        final AtomicInteger consumed = new AtomicInteger();

        CountingStream(byte[] bytes) {
            data = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            int b = data.read();
            if (b >= 0) {
                consumed.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = data.read(b, off, len);
            if (n > 0) {
                consumed.addAndGet(n);
            }
            return n;
        }
    }

    @Test
    @Timeout(30)
    void aPipeIsReadOnlyAsFarAsTheGuestTakesAndNothingIsLost() throws Exception {
        byte[] script = "uname -a\nexit\n".repeat(10).getBytes(StandardCharsets.US_ASCII);
        CountingStream pipe = new CountingStream(script);
        Fifo port = new Fifo();
        ConsoleInput input = new ConsoleInput(pipe, port, port::space, false, () -> { });
        input.start();
        Thread.sleep(200); // give the reader a chance to misbehave; nothing below depends on timing
        assertEquals(0, pipe.consumed.get(), "read from the pipe before the guest's driver was ready");
        synchronized (port) {
            port.ready = true;
        }
        input.guestCanTakeMore();
        while (port.text().length() < script.length) {
            assertTrue(pipe.consumed.get() <= port.text().length() + 16, "read far ahead of the guest");
            if (port.space() == 0) {
                port.guestReads();
                input.guestCanTakeMore();
            }
            Thread.onSpinWait();
        }
        assertEquals(new String(script, StandardCharsets.US_ASCII), port.text());
        input.stop();
    }
}
