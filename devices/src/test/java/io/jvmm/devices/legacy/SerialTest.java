package io.jvmm.devices.legacy;

import static io.jvmm.devices.legacy.Serial.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives the UART the way Linux's 8250 driver does (drivers/tty/serial/8250/8250_port.c): autoconfig()
 * probe, baud setting, FIFO enable, startup interrupt tests, then transmit and receive with interrupts.
 */
class SerialTest {
    /** Counts edges, as an irqfd would deliver them. */
    static final class CountingLine implements io.jvmm.core.irq.InterruptLine {
        final AtomicInteger edges = new AtomicInteger();

        @Override
        public void trigger() {
            edges.incrementAndGet();
        }
    }

    final CountingLine irq = new CountingLine();
    final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    final Serial uart = new Serial(irq, sink);

    void out(int reg, int value) {
        uart.write(reg, new byte[] {(byte) value});
    }

    int in(int reg) {
        byte[] b = new byte[1];
        uart.read(reg, b);
        return b[0] & 0xff;
    }

    String sinkText() {
        return sink.toString(StandardCharsets.ISO_8859_1);
    }

    /** Waits (the test's timeout bounds it) until the output writer thread has handed {@code text} to the sink. */
    void awaitSinkText(String text) {
        while (!sinkText().equals(text)) {
            assertTrue(text.startsWith(sinkText()), "sink has " + sinkText() + ", expected " + text);
            Thread.onSpinWait();
        }
    }

    /** serial8250 size_fifo(): bytes sent in loopback that the RX FIFO keeps. */
    int sizeFifo() {
        int oldLcr = in(UART_LCR);
        out(UART_LCR, 0);
        int oldFcr = in(UART_IIR); // the driver reads "FCR" at offset 2, i.e. IIR
        int oldMcr = in(UART_MCR);
        out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
        out(UART_MCR, UART_MCR_LOOP);
        out(UART_LCR, UART_LCR_DLAB);
        int oldDl = in(UART_DLL) | in(UART_DLM) << 8;
        out(UART_DLL, 1);
        out(UART_DLM, 0);
        out(UART_LCR, UART_LCR_WLEN8);
        for (int i = 0; i < 256; i++) {
            out(UART_TX, i);
        }
        int count = 0;
        while ((in(UART_LSR) & UART_LSR_DR) != 0 && count < 256) {
            assertEquals(count, in(UART_RX), "loopback keeps the first bytes in order");
            count++;
        }
        out(UART_FCR, oldFcr);
        out(UART_MCR, oldMcr);
        out(UART_LCR, UART_LCR_DLAB);
        out(UART_DLL, oldDl & 0xff);
        out(UART_DLM, oldDl >> 8);
        out(UART_LCR, oldLcr);
        return count;
    }

    @Test
    void autoconfigProbeFindsA16550A() {
        // Scratch register holds what is written.
        out(UART_SCR, 0x55);
        assertEquals(0x55, in(UART_SCR));
        out(UART_SCR, 0xaa);
        assertEquals(0xaa, in(UART_SCR));

        // IER test: writes 0, reads 0; writes 0x0f, reads 0x0f.
        int scratch = in(UART_IER);
        out(UART_IER, 0);
        int scratch2 = in(UART_IER) & UART_IER_ALL_INTR;
        out(UART_IER, UART_IER_ALL_INTR);
        int scratch3 = in(UART_IER) & UART_IER_ALL_INTR;
        out(UART_IER, scratch);
        assertEquals(0, scratch2);
        assertEquals(UART_IER_ALL_INTR, scratch3);

        // LOOP test: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in MSR's status bits.
        int saveMcr = in(UART_MCR);
        int saveLcr = in(UART_LCR);
        out(UART_MCR, UART_MCR_LOOP | 0x0a);
        int status1 = in(UART_MSR) & 0xf0;
        out(UART_MCR, saveMcr);
        assertEquals(UART_MSR_DCD | UART_MSR_CTS, status1);

        // EFR cleared under LCR 0xbf (we have none: the byte lands in FCR), then enable the FIFO.
        out(UART_LCR, 0xbf);
        out(2, 0);
        out(UART_LCR, 0);
        out(UART_FCR, UART_FCR_ENABLE_FIFO);
        assertEquals(UART_IIR_FIFO_ENABLED_16550A, in(UART_IIR) & UART_IIR_FIFO_ENABLED);

        // autoconfig_16550a(): no EFR behind DLAB (reads non-zero), no EFR under 0xbf either.
        out(UART_LCR, UART_LCR_DLAB);
        assertTrue(in(2) != 0, "EFR read under CONF_MODE_A must not look like an ST16C650V1");
        out(UART_LCR, 0xbf);
        assertTrue(in(2) != 0, "EFR read under CONF_MODE_B must not look like an EFR UART");
        // Not a National Semiconductor SuperIO: offset 2 under LCR 0xe0 does not follow MCR LOOP.
        out(UART_LCR, 0);
        int mcr = in(UART_MCR);
        out(UART_LCR, 0xe0);
        int excr1 = in(2);
        out(UART_LCR, 0);
        out(UART_MCR, mcr ^ UART_MCR_LOOP);
        out(UART_LCR, 0xe0);
        int excr1b = in(2);
        out(UART_LCR, 0);
        out(UART_MCR, mcr);
        assertEquals(excr1 & UART_MCR_LOOP, excr1b & UART_MCR_LOOP);
        // Not a TI16750: IIR bit 5 never appears, with or without DLAB.
        out(UART_FCR, UART_FCR_ENABLE_FIFO | 0x20);
        assertEquals(UART_IIR_FIFO_ENABLED, in(UART_IIR) & 0xe0);
        out(UART_LCR, UART_LCR_DLAB);
        out(UART_FCR, UART_FCR_ENABLE_FIFO | 0x20);
        assertEquals(UART_IIR_FIFO_ENABLED, in(UART_IIR) & 0xe0);
        out(UART_FCR, UART_FCR_ENABLE_FIFO);
        out(UART_LCR, 0);
        // Not an Xscale: IER bit 6 (UUE) does not stick.
        out(UART_IER, 0x40);
        assertEquals(0, in(UART_IER) & 0x40);
        out(UART_IER, 0);
        // A 16550A has a 16-byte FIFO, not the 64 of a U6_16550A.
        assertEquals(FIFO_SIZE, sizeFifo());

        out(UART_LCR, saveLcr);
        assertEquals("", sinkText(), "nothing sent in loopback reaches the console");
        assertTrue(in(UART_LSR) != 0xff, "LSR safety check in serial8250_do_startup()");
    }

    @Test
    void baudDivisorIsBehindDlabAndDataPortIsThrAgainAfterwards() {
        out(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
        out(UART_DLL, 0x01); // 115200 baud
        out(UART_DLM, 0x00);
        assertEquals(0x01, in(UART_DLL));
        assertEquals(0x00, in(UART_DLM));
        assertEquals("", sinkText(), "divisor writes are not transmitted");
        out(UART_LCR, UART_LCR_WLEN8);
        assertEquals(UART_LCR_WLEN8, in(UART_LCR));
        assertEquals(0, in(UART_IER), "IER is separate from DLM");
        out(UART_TX, 'A');
        out(UART_TX, '\n');
        uart.flush();
        assertEquals("A\n", sinkText());
    }

    @Test
    @Timeout(10)
    void outputIsFlushedOnNewlineOnIerWriteAndOnFlush() {
        for (char c : "abc".toCharArray()) {
            assertEquals(UART_LSR_THRE | UART_LSR_TEMT, in(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT));
            out(UART_TX, c);
        }
        assertEquals("", sinkText(), "a partial line stays buffered");
        out(UART_TX, '\n');
        awaitSinkText("abc\n");
        out(UART_TX, '$');
        out(UART_TX, ' ');
        out(UART_IER, 0); // serial8250 console_write restores IER when it is done
        awaitSinkText("abc\n$ ");
        out(UART_TX, 'x');
        uart.flush();
        assertEquals("abc\n$ x", sinkText());
        // A long burst without newline is not held back beyond the flush threshold.
        for (int i = 0; i < SerialOutput.FLUSH_THRESHOLD; i++) {
            out(UART_TX, 'y');
        }
        awaitSinkText("abc\n$ x" + "y".repeat(SerialOutput.FLUSH_THRESHOLD));
        uart.flush();
        assertEquals(0, uart.droppedOutputBytes());
    }

    @Test
    void thrEmptyInterruptBehavesForTheStartupTests() {
        out(UART_FCR, UART_FCR_ENABLE_FIFO);
        // UART_BUG_THRE test: THRE must be reasserted after IER is toggled.
        out(UART_IER, UART_IER_THRI);
        assertEquals(1, irq.edges.get(), "enabling THRI with THR empty raises the line");
        int iir1 = in(UART_IIR);
        out(UART_IER, 0);
        out(UART_IER, UART_IER_THRI);
        int iir = in(UART_IIR);
        out(UART_IER, 0);
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_THRI, iir1);
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_THRI, iir);
        assertEquals(2, irq.edges.get());

        // UART_BUG_TXEN test: with THRI enabled, IIR must not say NO_INT while TEMT is set.
        out(UART_IER, UART_IER_THRI);
        int lsr = in(UART_LSR);
        int iir2 = in(UART_IIR);
        assertTrue((lsr & UART_LSR_TEMT) != 0);
        assertEquals(0, iir2 & UART_IIR_NO_INT);
        assertEquals(3, irq.edges.get());

        // Reading IIR cleared THRE; a THR write makes it pending again, one edge per rising level.
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
        out(UART_TX, 'a');
        out(UART_TX, 'b'); // still pending: no new edge
        assertEquals(4, irq.edges.get());
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_THRI, in(UART_IIR));
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
        out(UART_IER, 0); // __stop_tx()
        out(UART_TX, 'c');
        assertEquals(4, irq.edges.get(), "no interrupt with THRI disabled");
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
        uart.flush();
        assertEquals("abc", sinkText());
    }

    /** What serial8250_do_startup() and set_termios leave behind, with the tty open (DTR/RTS up). */
    void openPort() {
        out(UART_LCR, UART_LCR_WLEN8);
        out(UART_FCR, UART_FCR_ENABLE_FIFO | 0xc0);
        out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
        out(UART_IER, UART_IER_RLSI | UART_IER_RDI);
    }

    @Test
    @Timeout(10)
    void receivedDataRaisesRdiUntilTheFifoIsDrained() throws InterruptedException {
        openPort();
        assertEquals(0, irq.edges.get());
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
        byte[] hi = "hi".getBytes(StandardCharsets.US_ASCII);
        assertEquals(2, uart.offerInput(hi, 0, 2));
        assertEquals(1, irq.edges.get());
        assertEquals(1, uart.offerInput(hi, 0, 1)); // level already high: no second edge
        assertEquals(1, irq.edges.get());
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_RDI, in(UART_IIR));
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_RDI, in(UART_IIR), "reading IIR does not clear RDI");
        StringBuilder got = new StringBuilder();
        while ((in(UART_LSR) & UART_LSR_DR) != 0) {
            got.append((char) in(UART_RX));
        }
        assertEquals("hih", got.toString());
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
        assertEquals(1, uart.offerInput(hi, 1, 1));
        assertEquals(2, irq.edges.get(), "a new rising edge once the FIFO had been drained");
        assertEquals('i', in(UART_RX));

        // RDI has priority over THRI; both are reported in turn.
        out(UART_IER, UART_IER_RDI | UART_IER_THRI);
        assertEquals(1, uart.offerInput(hi, 0, 1));
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_RDI, in(UART_IIR));
        assertEquals('h', in(UART_RX));
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_THRI, in(UART_IIR));
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));
    }

    @Test
    void theSummarySaysWhatWaitsAndWhetherTheInterruptOutputIsHigh() {
        openPort();
        assertEquals("RX FIFO 0 bytes, IER 0x05, MCR 0x0b, IRQ low, 0 bytes of output not yet written", uart.summary());
        assertEquals(3, uart.offerInput("abc".getBytes(StandardCharsets.US_ASCII), 0, 3));
        assertEquals("RX FIFO 3 bytes, IER 0x05, MCR 0x0b, IRQ high (RDI), 0 bytes of output not yet written", uart.summary());
        out(UART_TX, 'x'); // no newline: the byte waits for the writer until a flush is asked for
        assertTrue(uart.summary().endsWith(", 1 bytes of output not yet written"), uart.summary());
    }

    @Test
    void offerTakesWhatFitsAndTheListenerAsksForTheRestAsTheGuestReads() {
        openPort();
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        int[] offered = {0};
        AtomicInteger calls = new AtomicInteger();
        // The host side, as the console reader keeps it: the rest waits here until the device asks for it.
        uart.onInputSpace(() -> {
            calls.incrementAndGet();
            offered[0] += uart.offerInput(data, offered[0], data.length - offered[0]);
        });
        offered[0] = uart.offerInput(data, 0, data.length);
        assertEquals(FIFO_SIZE, offered[0], "the FIFO takes 16 bytes, without waiting for the guest");
        assertEquals(FIFO_SIZE, rxLevel());
        assertEquals(0, calls.get());
        int next = 0;
        while ((in(UART_LSR) & UART_LSR_DR) != 0) {
            assertEquals(next, in(UART_RX), "bytes arrive in order, none lost");
            next++;
        }
        assertEquals(data.length, next, "each read made room and the listener refilled the FIFO");
        assertEquals(data.length, offered[0]);
        assertTrue(calls.get() > 0);
    }

    /**
     * A reader thread pushes a long stream in random chunks while a "vCPU" runs the 8250 interrupt handler
     * only when the edge-triggered line fires (serial8250_interrupt() loops until IIR says NO_INT). If an
     * edge were ever lost with data pending, the handler would never run again and the test would time out.
     */
    @Test
    @Timeout(30)
    void interruptDrivenReceiveLosesNeitherBytesNorEdges() throws Exception {
        java.util.concurrent.Semaphore edges = new java.util.concurrent.Semaphore(0);
        Serial device = new Serial(edges::release, sink);
        java.util.concurrent.Semaphore space = new java.util.concurrent.Semaphore(0);
        device.onInputSpace(space::release);
        byte[] one = new byte[1];
        java.util.function.IntUnaryOperator inb = reg -> {
            device.read(reg, one);
            return one[0] & 0xff;
        };
        java.util.function.BiConsumer<Integer, Integer> outb = (reg, v) -> device.write(reg, new byte[] {(byte) (int) v});
        outb.accept(UART_FCR, UART_FCR_ENABLE_FIFO | 0xc0);
        outb.accept(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
        outb.accept(UART_IER, UART_IER_RLSI | UART_IER_RDI);

        int total = 20_000;
        Thread reader = Thread.ofPlatform().name("test-console-reader").start(() -> {
            java.util.Random random = new java.util.Random(1);
            int sent = 0;
            try {
                while (sent < total) {
                    int n = Math.min(total - sent, 1 + random.nextInt(40));
                    byte[] chunk = new byte[n];
                    for (int i = 0; i < n; i++) {
                        chunk[i] = (byte) (sent + i);
                    }
                    for (int off = 0; off < n; ) {
                        off += device.offerInput(chunk, off, n - off);
                        if (off < n) {
                            space.acquire(); // a lost "space" signal would stall the stream: the test times out
                        }
                    }
                    sent += n;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int received = 0;
        while (received < total) {
            assertTrue(edges.tryAcquire(10, TimeUnit.SECONDS), "interrupt lost after " + received + " bytes");
            int iir;
            while (((iir = inb.applyAsInt(UART_IIR)) & UART_IIR_NO_INT) == 0) {
                assertEquals(UART_IIR_RDI, iir & UART_IIR_ID);
                while ((inb.applyAsInt(UART_LSR) & UART_LSR_DR) != 0) {
                    assertEquals((byte) received, (byte) inb.applyAsInt(UART_RX));
                    received++;
                }
            }
        }
        reader.join(5000);
        assertFalse(reader.isAlive());
        assertEquals(total, received);
    }

    private int rxLevel() {
        return uart.receiveFifoLevel();
    }

    @Test
    void inputWaitsForRtsAndForLoopbackToEnd() {
        AtomicInteger calls = new AtomicInteger();
        uart.onInputSpace(calls::incrementAndGet);
        out(UART_FCR, UART_FCR_ENABLE_FIFO);
        out(UART_IER, UART_IER_RDI);
        byte[] x = {'x'};
        assertEquals(0, uart.offerInput(x, 0, 1), "no input before the guest raises RTS");
        assertEquals(0, uart.inputSpace());
        assertEquals(0, in(UART_LSR) & UART_LSR_DR);
        out(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
        assertEquals(0, uart.offerInput(x, 0, 1), "no external input in loopback");
        assertEquals(0, calls.get());
        out(UART_MCR, UART_MCR_RTS | UART_MCR_DTR);
        assertEquals(1, calls.get(), "raising RTS outside loopback tells the host once");
        assertEquals(FIFO_SIZE, uart.inputSpace());
        assertEquals(1, uart.offerInput(x, 0, 1));
        assertEquals(UART_LSR_DR, in(UART_LSR) & UART_LSR_DR);
        assertEquals('x', in(UART_RX));
        assertEquals(1, calls.get(), "nothing was wanted: no call");
        assertTrue(irq.edges.get() >= 1);
    }

    @Test
    void loopbackWiresModemLinesAndOverrunsPastTheFifo() {
        assertEquals(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS, in(UART_MSR) & 0xf0, "the console is connected");
        out(UART_FCR, UART_FCR_ENABLE_FIFO);
        out(UART_IER, UART_IER_RLSI | UART_IER_MSI);
        out(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
        // Entering loopback changed CTS and DCD (now RTS/OUT2, both low): delta bits and an MSI.
        assertEquals(1, irq.edges.get());
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_MSI, in(UART_IIR));
        int msr = in(UART_MSR);
        assertEquals(UART_MSR_DSR | UART_MSR_RI, msr & 0xf0);
        assertEquals(UART_MSR_DCTS | UART_MSR_DDCD, msr & 0x0f);
        assertEquals(0, in(UART_MSR) & 0x0f, "reading MSR clears the deltas");
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT, in(UART_IIR));

        for (int i = 0; i < FIFO_SIZE + 1; i++) {
            out(UART_TX, 'a' + i);
        }
        assertEquals(UART_IIR_FIFO_ENABLED | UART_IIR_RLSI, in(UART_IIR), "overrun reported first");
        int lsr = in(UART_LSR);
        assertEquals(UART_LSR_OE | UART_LSR_DR, lsr & (UART_LSR_OE | UART_LSR_DR));
        assertEquals(0, in(UART_LSR) & UART_LSR_OE, "error bits clear on read");
        assertEquals('a', in(UART_RX));
        out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
        assertEquals(0, in(UART_LSR) & UART_LSR_DR, "FCR clears the RX FIFO");
        out(UART_MCR, 0);
        uart.flush();
        assertEquals("", sinkText());
    }

    @Test
    void withoutFifoTheReceiverHoldsOneByte() {
        out(UART_MCR, UART_MCR_LOOP);
        out(UART_TX, 1);
        out(UART_TX, 2);
        assertEquals(UART_LSR_OE | UART_LSR_DR, in(UART_LSR) & (UART_LSR_OE | UART_LSR_DR));
        assertEquals(1, in(UART_RX));
        assertEquals(0, in(UART_LSR) & UART_LSR_DR);
        assertEquals(UART_IIR_NO_INT, in(UART_IIR), "IIR has no FIFO bits with the FIFO off");
    }

    @Test
    void widerAccessesAreSplitIntoByteCyclesAndStrayOffsetsAreHarmless() {
        uart.write(UART_LCR, new byte[] {(byte) UART_LCR_WLEN8, (byte) UART_MCR_DTR}); // LCR, MCR
        assertEquals(UART_LCR_WLEN8, in(UART_LCR));
        assertEquals(UART_MCR_DTR, in(UART_MCR));
        byte[] wide = new byte[4];
        uart.read(6, wide); // MSR, SCR, then two ports past the UART
        assertEquals(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS, wide[0] & 0xf0);
        assertEquals((byte) 0xff, wide[2]);
        assertEquals((byte) 0xff, wide[3]);
        byte[] one = new byte[1];
        uart.read(8, one);
        assertEquals((byte) 0xff, one[0]);
        uart.read(-1, one);
        assertEquals((byte) 0xff, one[0]);
        uart.read(Long.MAX_VALUE, new byte[8]);
        uart.read(0, new byte[0]);
        uart.write(0, new byte[0]);
        uart.write(Long.MIN_VALUE, new byte[] {1, 2, 3});
        uart.write(100, new byte[] {'z'});
        uart.write(UART_LSR, new byte[] {0}); // read-only register
        assertEquals(UART_LSR_THRE | UART_LSR_TEMT, in(UART_LSR));
        uart.flush();
        assertEquals("", sinkText());
    }

    @Test
    void randomGuestAccessesNeverThrowAndKeepInvariants() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 200_000; i++) {
            int width = random.nextInt(9);
            byte[] data = new byte[width];
            random.nextBytes(data);
            long offset = random.nextInt(12) - 2;
            if (random.nextBoolean()) {
                uart.write(offset, data);
            } else {
                uart.read(offset, data);
            }
            if (i % 1000 == 0) {
                int ier = in(UART_IER);
                if ((in(UART_LCR) & UART_LCR_DLAB) == 0) {
                    assertEquals(0, ier & 0xf0, "IER keeps only its four bits");
                }
                assertEquals(0, in(UART_MCR) & ~0x1f);
            }
        }
        uart.flush();
    }

    @Test
    void aFailingSinkDoesNotReachTheGuest() {
        Serial broken = new Serial(irq, new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("EPIPE");
            }
        });
        broken.write(UART_TX, new byte[] {'a'});
        broken.write(UART_TX, new byte[] {'\n'});
        broken.flush();
        byte[] lsr = new byte[1];
        broken.read(UART_LSR, lsr);
        assertEquals(UART_LSR_THRE | UART_LSR_TEMT, lsr[0] & 0xff);
    }
}
