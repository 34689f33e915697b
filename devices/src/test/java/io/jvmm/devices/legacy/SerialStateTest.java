package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.legacy.SerialTest.CountingLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.legacy.Serial.*;
import static org.junit.jupiter.api.Assertions.*;

/** Serial.state() / Serial.restore(): a round trip keeps the guest's view; tampered records are refused. */
@Timeout(30)
class SerialStateTest {
    final CountingLine irq = new CountingLine();
    final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    final Serial uart = new Serial(irq, sink);

    static void out(Serial s, int reg, int value) {
        s.write(reg, new byte[] {(byte) value});
    }

    static int in(Serial s, int reg) {
        byte[] b = new byte[1];
        s.read(reg, b);
        return b[0] & 0xff;
    }

    /** The 8250 driver's set-up: 115200 8N1, FIFO on with trigger 8, RTS/DTR/OUT2, RX and THR interrupts. */
    private void configureLikeLinux(Serial s) {
        out(s, UART_LCR, UART_LCR_DLAB);
        out(s, UART_DLL, 1);
        out(s, UART_DLM, 0);
        out(s, UART_LCR, UART_LCR_WLEN8);
        out(s, UART_FCR, UART_FCR_ENABLE_FIFO | 0x80);
        out(s, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
        out(s, UART_IER, UART_IER_RDI | UART_IER_THRI);
        out(s, UART_SCR, 0x5a);
    }

    @Test
    void roundTripKeepsRegistersAndFifoAndTheRestoredUartDeliversItInOrder() {
        configureLikeLinux(uart);
        byte[] typed = "hello, snapshot".getBytes(StandardCharsets.US_ASCII);
        assertEquals(typed.length, uart.offerInput(typed, 0, typed.length));
        assertEquals('h', in(uart, UART_RX)); // the guest has read one byte already

        SerialState state = uart.state();
        assertEquals(1, state.dll());
        assertEquals(UART_FCR_ENABLE_FIFO | 0x80, state.fcr());
        assertArrayEquals("ello, snapshot".getBytes(StandardCharsets.US_ASCII), state.rxFifo());

        CountingLine irq2 = new CountingLine();
        Serial restored = Serial.restore(state, irq2, new ByteArrayOutputStream());
        assertEquals(state, restored.state());
        assertEquals(0, irq2.edges.get(), "restore sends no interrupt");

        assertEquals(UART_IIR_RDI | UART_IIR_FIFO_ENABLED_16550A, in(restored, UART_IIR));
        assertEquals(0, irq2.edges.get(), "the IRQ level was restored high: no new edge for the same interrupt");
        StringBuilder got = new StringBuilder();
        while ((in(restored, UART_LSR) & UART_LSR_DR) != 0) {
            got.append((char) in(restored, UART_RX));
        }
        assertEquals("ello, snapshot", got.toString());
        assertEquals(UART_IIR_THRI | UART_IIR_FIFO_ENABLED_16550A, in(restored, UART_IIR),
                "THR-empty was pending behind RX data");
        assertEquals(UART_IIR_NO_INT | UART_IIR_FIFO_ENABLED_16550A, in(restored, UART_IIR));
        assertEquals(2, restored.offerInput(new byte[] {'o', 'k'}, 0, 2), "RTS was restored: input flows");
        assertEquals(1, irq2.edges.get(), "new input is a new edge");
        assertEquals('o', in(restored, UART_RX));
    }

    @Test
    void roundTripKeepsLoopbackOverrunAndModemDeltas() {
        out(uart, UART_FCR, UART_FCR_ENABLE_FIFO);
        out(uart, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
        out(uart, UART_IER, UART_IER_ALL_INTR);
        for (int i = 0; i < FIFO_SIZE + 3; i++) {
            out(uart, UART_TX, 0x30 + i); // loopback: 16 bytes kept, then an overrun
        }
        SerialState state = uart.state();
        assertTrue(state.overrun());
        assertNotEquals(0, state.msrDeltas());
        assertEquals(FIFO_SIZE, state.rxFifo().length);

        Serial restored = Serial.restore(state, new CountingLine(), new ByteArrayOutputStream());
        assertEquals(state, restored.state());
        assertEquals(UART_IIR_RLSI, in(restored, UART_IIR) & UART_IIR_ID, "the overrun is the top interrupt");
        assertEquals(UART_LSR_OE, in(restored, UART_LSR) & UART_LSR_OE);
        assertEquals(state.msrDeltas(), in(restored, UART_MSR) & 0x0f);
        assertEquals(0x30, in(restored, UART_RX));
    }

    @Test
    void resetStateRoundTrips() {
        SerialState fresh = uart.state();
        assertEquals(fresh, Serial.restore(fresh, new CountingLine(), new ByteArrayOutputStream()).state());
    }

    /** Any sequence of register writes and input gives a state that restores to itself. */
    @Test
    void randomRegisterTrafficRoundTrips() {
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            Serial s = new Serial(new CountingLine(), new ByteArrayOutputStream());
            for (int op = 0; op < 40; op++) {
                int port = random.nextInt(PORT_COUNT);
                switch (random.nextInt(3)) {
                    case 0 -> out(s, port == UART_TX ? UART_SCR : port, random.nextInt(256)); // no console output
                    case 1 -> in(s, port);
                    default -> s.offerInput(new byte[] {1, 2, 3, 4, 5}, 0, 1 + random.nextInt(5));
                }
            }
            SerialState state = s.state();
            assertEquals(state, Serial.restore(state, new CountingLine(), new ByteArrayOutputStream()).state(),
                    "run " + run);
        }
    }

    private SerialState busy() {
        configureLikeLinux(uart);
        uart.offerInput(new byte[] {1, 2, 3}, 0, 3);
        return uart.state();
    }

    private static void assertRefused(SerialState bad, String message) {
        DeviceStateException e = assertThrows(DeviceStateException.class,
                () -> Serial.restore(bad, new CountingLine(), new ByteArrayOutputStream()));
        assertEquals(message, e.getMessage());
        assertEquals("serial", e.device());
    }

    @Test
    void tamperedRecordsAreRefusedNamingTheField() {
        SerialState ok = busy();
        assertRefused(with(ok, "ier", 0x10), "serial: ier 0x10 has bits outside 0x0f");
        assertRefused(with(ok, "fcr", UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR),
                "serial: fcr 0x3 has bits outside 0xc1");
        assertRefused(with(ok, "mcr", 0x20), "serial: mcr 0x20 has bits outside 0x1f");
        assertRefused(with(ok, "lcr", 0x100), "serial: lcr 0x100 has bits outside 0xff");
        assertRefused(with(ok, "dll", -1), "serial: dll 0xffffffff has bits outside 0xff");
        assertRefused(with(ok, "dlm", 0x1ff), "serial: dlm 0x1ff has bits outside 0xff");
        assertRefused(with(ok, "scr", 256), "serial: scr 0x100 has bits outside 0xff");
        assertRefused(with(ok, "msrDeltas", UART_MSR_CTS), "serial: msrDeltas 0x10 has bits outside 0x0f");
        assertRefused(with(ok, "rxFifo", new byte[FIFO_SIZE + 1]),
                "serial: rxFifo holds 17 bytes, more than the 16 the receiver holds with fcr 0x81");
        assertRefused(with(with(ok, "fcr", 0), "rxFifo", new byte[2]),
                "serial: rxFifo holds 2 bytes, more than the 1 the receiver holds with fcr 0x0");
        assertRefused(with(ok, "rxFifo", null), "serial: rxFifo is missing");
    }

    /** Any change to a valid record is refused with a DeviceStateException or restored exactly as given. */
    @Test
    void randomlyTamperedRecordsAreRefusedOrRestoredExactly() {
        SerialState ok = busy();
        Random random = new Random(5);
        String[] ints = {"dll", "dlm", "ier", "fcr", "lcr", "mcr", "scr", "msrDeltas"};
        int[] interesting = {0, 1, 0x0f, 0x10, 0x1f, 0x20, 0x80, 0xc1, 0xff, 0x100, -1, Integer.MIN_VALUE};
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            SerialState bad = switch (random.nextInt(4)) {
                case 0 -> with(ok, "overrun", random.nextBoolean());
                case 1 -> with(ok, "rxFifo", new byte[random.nextInt(20)]);
                default -> with(ok, ints[random.nextInt(ints.length)],
                        random.nextBoolean() ? random.nextInt() : interesting[random.nextInt(interesting.length)]);
            };
            try {
                assertEquals(bad, Serial.restore(bad, new CountingLine(), new ByteArrayOutputStream()).state());
            } catch (DeviceStateException e) {
                refused++;
            }
        }
        assertTrue(refused > 100 && refused < 1000, "refused " + refused);
    }

    @Test
    void recordIsImmutable() {
        SerialState s = busy();
        s.rxFifo()[0] = 99;
        assertEquals(1, s.rxFifo()[0]);
    }
}
