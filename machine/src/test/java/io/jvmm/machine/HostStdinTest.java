package io.jvmm.machine;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HostStdin} over a FIFO (stdin of the test JVM belongs to the test runner): it reads what is written,
 * ends at end of input, and a read blocked with nothing to read returns -1 at once when the stream is closed.
 */
class HostStdinTest {
    @TempDir
    Path dir;

    private OwnedFd readEnd;
    private OutputStream writer;
    private HostStdin in;

    @BeforeEach
    void fifo() throws Exception {
        Path fifo = dir.resolve("stdin");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo");
        readEnd = Sys.open(fifo.toString(), Sys.O_RDONLY | Sys.O_NONBLOCK); // non-blocking: no writer yet
        writer = new FileOutputStream(fifo.toFile());
        in = HostStdin.of(readEnd.fd());
    }

    @AfterEach
    void close() throws IOException {
        in.close();
        writer.close();
        readEnd.close();
    }

    @Test
    void readsWhatIsWrittenAndEndsWhenTheWriterCloses() throws Exception {
        writer.write("hello\n".getBytes(StandardCharsets.US_ASCII));
        writer.flush();
        byte[] b = new byte[64];
        int n = in.read(b, 0, b.length);
        assertEquals("hello\n", new String(b, 0, n, StandardCharsets.US_ASCII));
        writer.write('x');
        assertEquals('x', in.read());
        writer.close();
        assertEquals(-1, in.read(b, 0, b.length));
    }

    @Test
    void readsNoMoreThanAsked() throws Exception {
        writer.write("abcdef".getBytes(StandardCharsets.US_ASCII));
        writer.flush();
        byte[] b = new byte[8];
        assertEquals(2, in.read(b, 0, 2));
        assertEquals(4, in.read(b, 2, 6));
        assertEquals("abcdef", new String(b, 0, 6, StandardCharsets.US_ASCII));
    }

    @Test
    void closeWakesABlockedReadWhichReturnsEndOfInput() throws Exception {
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return in.read(new byte[16], 0, 16);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(read.isDone(), "nothing was written: the read waits");
        long t0 = System.nanoTime();
        in.close();
        assertEquals(-1, read.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "woken at once");
        assertEquals(-1, in.read(), "closed: every later read ends at once");
        writer.write('y');
        writer.flush();
        assertEquals(-1, in.read(), "closed: input written later is not read");
    }
}
