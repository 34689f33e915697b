package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.core.bus.BusDevice;

/**
 * A minimal record of the 16550A's state, read and written through its registers as the guest would:
 * LCR, IER, MCR and SCR (reading them has no side effect). Enough for a guest's driver to go on
 * (interrupts enabled, RTS asserted so the console takes input); the receive FIFO's contents and the
 * divisor are not kept, and the FIFOs come back enabled (as Linux's 8250 driver leaves a 16550A).
 * Stands in until the device hands out its full state record.
 *
 * @param lcr line control; IER was read with DLAB clear (a snapshot taken while the guest programs the
 *            divisor, DLAB set, keeps IER 0)
 */
public record SerialRegisters(int lcr, int ier, int mcr, int scr) {
    public static final String KIND = "16550A-registers";
    static final int UART_IER = 1;
    static final int UART_FCR = 2;
    static final int UART_LCR = 3;
    static final int UART_MCR = 4;
    static final int UART_SCR = 7;
    static final int UART_LCR_DLAB = 0x80;
    static final int UART_FCR_ENABLE_FIFO = 0x01;
    /** IER bits 7:4 and MCR bits 7:5 are always 0 on a 16550A. */
    static final int UART_IER_MASK = 0x0f;
    static final int UART_MCR_MASK = 0x1f;

    public SerialRegisters {
        check("lcr", lcr, 0xff);
        check("ier", ier, UART_IER_MASK);
        check("mcr", mcr, UART_MCR_MASK);
        check("scr", scr, 0xff);
    }

    private static void check(String name, int value, int mask) {
        if ((value & ~mask) != 0) {
            throw new SnapshotException(name + ": 0x" + Integer.toHexString(value) + " has bits a 16550A does not have (mask 0x"
                    + Integer.toHexString(mask) + ")");
        }
    }

    /** Reads the registers of {@code uart} (the machine paused: no vCPU writes them meanwhile). */
    public static SerialRegisters save(BusDevice uart) {
        int lcr = read(uart, UART_LCR);
        int ier = (lcr & UART_LCR_DLAB) == 0 ? read(uart, UART_IER) & UART_IER_MASK : 0;
        return new SerialRegisters(lcr, ier, read(uart, UART_MCR) & UART_MCR_MASK, read(uart, UART_SCR));
    }

    /** Writes them into a new {@code uart}, before any vCPU runs. */
    public void restore(BusDevice uart) {
        write(uart, UART_LCR, lcr & ~UART_LCR_DLAB);
        write(uart, UART_FCR, UART_FCR_ENABLE_FIFO);
        write(uart, UART_IER, ier);
        write(uart, UART_MCR, mcr);
        write(uart, UART_SCR, scr);
        write(uart, UART_LCR, lcr);
    }

    JsonNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("lcr", StructJson.hex(lcr));
        o.set("ier", StructJson.hex(ier));
        o.set("mcr", StructJson.hex(mcr));
        o.set("scr", StructJson.hex(scr));
        return o;
    }

    /** The record in {@code node}, checked; {@code where} prefixes errors. */
    public static SerialRegisters fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject() || node.size() != 4) {
            throw new SnapshotException(where + ": expected {lcr, ier, mcr, scr}");
        }
        try {
            return new SerialRegisters((int) StructJson.hex(node.get("lcr"), 1, where + ".lcr"),
                    (int) StructJson.hex(node.get("ier"), 1, where + ".ier"),
                    (int) StructJson.hex(node.get("mcr"), 1, where + ".mcr"),
                    (int) StructJson.hex(node.get("scr"), 1, where + ".scr"));
        } catch (SnapshotException e) {
            throw e.getMessage().startsWith(where) ? e : new SnapshotException(where + "." + e.getMessage());
        }
    }

    /** This record as the state file's device record named {@code name}. */
    public SnapshotState.DeviceRecord record(String name) {
        return new SnapshotState.DeviceRecord(name, KIND, toJson());
    }

    private static int read(BusDevice uart, int offset) {
        byte[] b = new byte[1];
        uart.read(offset, b);
        return b[0] & 0xff;
    }

    private static void write(BusDevice uart, int offset, int value) {
        uart.write(offset, new byte[] {(byte) value});
    }
}
