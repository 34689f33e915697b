package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;

import java.util.Arrays;
import java.util.HexFormat;

import static io.jvmm.devices.legacy.Serial.*;

/**
 * The guest-visible state of a {@link Serial} 16550A, as {@link Serial#state()} hands it out and
 * {@link Serial#restore} takes it back (after rust-vmm vm-superio's {@code SerialState}). Register
 * values are unsigned bytes; names follow include/uapi/linux/serial_reg.h.
 *
 * <p>Not here, on purpose: the IRQ output level (a function of the registers, recomputed on restore);
 * host input not yet in the FIFO and guest output not yet written to the console, which belong to the
 * console front end (see {@link Serial#state()}).
 *
 * @param dll          divisor latch low (UART_DLL)
 * @param dlm          divisor latch high (UART_DLM)
 * @param ier          UART_IER, the four interrupt-enable bits
 * @param fcr          the FIFO control bits kept: UART_FCR_ENABLE_FIFO and the trigger level
 * @param lcr          UART_LCR (bit 7 is DLAB)
 * @param mcr          UART_MCR, the five bits a 16550A has
 * @param scr          the scratch register
 * @param overrun      UART_LSR_OE is pending (cleared by reading LSR)
 * @param thrPending   the THR-empty interrupt is pending
 * @param msrDeltas    the MSR delta bits (UART_MSR_DCTS..UART_MSR_DDCD) not yet read
 * @param rxFifo       the received bytes waiting in the RX FIFO, oldest first (at most 16)
 */
public record SerialState(int dll, int dlm, int ier, int fcr, int lcr, int mcr, int scr, boolean overrun,
                          boolean thrPending, int msrDeltas, byte[] rxFifo) {

    public SerialState {
        rxFifo = rxFifo == null ? null : rxFifo.clone(); // a missing field is refused by Serial.restore
    }

    /** Device name in {@link DeviceStateException}s. */
    static final String DEVICE = "serial";

    /**
     * Checks the record as untrusted input: each register holds only the bits the UART implements, and
     * the FIFO no more bytes than the receiver holds (16 with UART_FCR_ENABLE_FIFO, else 1).
     */
    void validate() {
        checkBits("dll", dll, 0xff);
        checkBits("dlm", dlm, 0xff);
        checkBits("ier", ier, UART_IER_ALL_INTR);
        checkBits("fcr", fcr, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
        checkBits("lcr", lcr, 0xff);
        checkBits("mcr", mcr, UART_MCR_MASK);
        checkBits("scr", scr, 0xff);
        checkBits("msrDeltas", msrDeltas, UART_MSR_DDCD | UART_MSR_TERI | UART_MSR_DDSR | UART_MSR_DCTS);
        if (rxFifo == null) {
            throw new DeviceStateException(DEVICE, "rxFifo is missing");
        }
        int capacity = (fcr & UART_FCR_ENABLE_FIFO) != 0 ? FIFO_SIZE : 1;
        if (rxFifo.length > capacity) {
            throw new DeviceStateException(DEVICE, "rxFifo holds " + rxFifo.length + " bytes, more than the "
                    + capacity + " the receiver holds with fcr 0x" + Integer.toHexString(fcr));
        }
    }

    private static void checkBits(String field, int value, int allowed) {
        if ((value & ~allowed) != 0) {
            throw new DeviceStateException(DEVICE, String.format("%s 0x%x has bits outside 0x%02x", field, value,
                    allowed));
        }
    }

    @Override
    public byte[] rxFifo() {
        return rxFifo == null ? null : rxFifo.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SerialState s && dll == s.dll && dlm == s.dlm && ier == s.ier && fcr == s.fcr
                && lcr == s.lcr && mcr == s.mcr && scr == s.scr && overrun == s.overrun
                && thrPending == s.thrPending && msrDeltas == s.msrDeltas && Arrays.equals(rxFifo, s.rxFifo);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(new int[] {dll, dlm, ier, fcr, lcr, mcr, scr, msrDeltas});
        return 31 * (31 * h + Boolean.hashCode(overrun) * 2 + Boolean.hashCode(thrPending)) + Arrays.hashCode(rxFifo);
    }

    @Override
    public String toString() {
        return String.format("SerialState[dll=0x%02x, dlm=0x%02x, ier=0x%02x, fcr=0x%02x, lcr=0x%02x, mcr=0x%02x, "
                        + "scr=0x%02x, overrun=%s, thrPending=%s, msrDeltas=0x%x, rxFifo=%s]",
                dll, dlm, ier, fcr, lcr, mcr, scr, overrun, thrPending, msrDeltas,
                rxFifo == null ? "null" : HexFormat.of().formatHex(rxFifo));
    }
}
