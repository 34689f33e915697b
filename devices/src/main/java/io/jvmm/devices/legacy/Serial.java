package io.jvmm.devices.legacy;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.irq.InterruptLine;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A 16550A UART, as the Linux 8250 driver expects one at COM1 (port 0x3f8, IRQ 4; 8 ports).
 *
 * <p>Register offsets and bits are named as in include/uapi/linux/serial_reg.h:
 * <pre>
 * offset  read (DLAB=0)   write (DLAB=0)   DLAB=1 (LCR bit 7)
 *   0     UART_RX         UART_TX          UART_DLL (divisor low)
 *   1     UART_IER        UART_IER         UART_DLM (divisor high)
 *   2     UART_IIR        UART_FCR         (unchanged: IIR / FCR)
 *   3     UART_LCR        UART_LCR
 *   4     UART_MCR        UART_MCR
 *   5     UART_LSR        (read only)
 *   6     UART_MSR        (read only)
 *   7     UART_SCR        UART_SCR
 * </pre>
 *
 * <p>What the driver's probe (autoconfig() in drivers/tty/serial/8250/8250_port.c) needs and gets: IER keeps
 * only its low four bits (UART_IER_ALL_INTR), so the IER test and the Xscale UUE test see a plain UART;
 * MCR loopback wires RTS/DTR/OUT1/OUT2 to CTS/DSR/RI/DCD (the "LOOP test"); IIR reports
 * UART_IIR_FIFO_ENABLED_16550A while FCR enables the FIFO and never UART_IIR_64BYTE_FIFO, and there is no
 * EFR (offset 2 is IIR/FCR whatever LCR says) — so the driver reports a 16550A. In loopback the RX FIFO
 * holds 16 bytes and overruns past that (UART_LSR_OE), which is what size_fifo() counts.
 *
 * <p>Transmit is instantaneous: LSR always has UART_LSR_THRE | UART_LSR_TEMT, and every THR write makes the
 * THR-empty interrupt pending again. As on a real 16550 (and in QEMU), enabling UART_IER_THRI while THR is
 * empty makes it pending at once, and reading IIR while it is the reported source clears it — the driver's
 * startup tests (UART_BUG_THRE, UART_BUG_TXEN in serial8250_do_startup()) then find a sane UART.
 *
 * <p>Receive: a 16-byte FIFO (1 byte with FCR's FIFO off). UART_IIR_RDI is pending whenever it holds data
 * and UART_IER_RDI is set: the trigger level in FCR bits 6-7 is stored but acts as level 1 (no character
 * timeout is needed then, and Linux handles RDI and CTI alike). Host input is accepted only while the guest
 * asserts UART_MCR_RTS outside loopback — hardware flow control, as a modem honours RTS: Linux raises RTS
 * once the tty is open and its FIFO configured (uart_port_startup()), so typed-ahead input is not thrown
 * away by the driver's own FIFO clearing during startup. The host offers input without ever waiting
 * ({@link #offerInput}: the device takes what fits and says how much); what does not fit stays with the
 * host, which the {@link #onInputSpace} listener tells when the guest can take more.
 *
 * <p>Interrupts: the UART's IRQ output is a level (any enabled source pending); the line given here is an
 * edge (irqfd into an edge-triggered ISA pin), so it is triggered on each rising edge of that level — which
 * is exactly what an ISA PIC sees, and why the driver's handler loops until IIR says UART_IIR_NO_INT. MCR
 * OUT2 does not gate the line (as in Firecracker/vm-superio and QEMU).
 *
 * <p>Thread safety: registers are guarded by one lock; vCPU threads call read/write, the console reader
 * thread calls {@link #offerInput}. The interrupt line is triggered, the input-space listener called and
 * the output writer woken after the lock is released; nothing here waits for the console.
 */
public final class Serial implements BusDevice {
    /** Number of I/O ports the UART decodes. */
    public static final int PORT_COUNT = 8;

    // Register offsets, include/uapi/linux/serial_reg.h.
    static final int UART_RX = 0;
    static final int UART_TX = 0;
    static final int UART_DLL = 0;
    static final int UART_DLM = 1;
    static final int UART_IER = 1;
    static final int UART_IIR = 2;
    static final int UART_FCR = 2;
    static final int UART_LCR = 3;
    static final int UART_MCR = 4;
    static final int UART_LSR = 5;
    static final int UART_MSR = 6;
    static final int UART_SCR = 7;

    static final int UART_IER_MSI = 0x08;
    static final int UART_IER_RLSI = 0x04;
    static final int UART_IER_THRI = 0x02;
    static final int UART_IER_RDI = 0x01;
    static final int UART_IER_ALL_INTR = UART_IER_MSI | UART_IER_RLSI | UART_IER_THRI | UART_IER_RDI;

    static final int UART_IIR_NO_INT = 0x01;
    static final int UART_IIR_ID = 0x0e;
    static final int UART_IIR_MSI = 0x00;
    static final int UART_IIR_THRI = 0x02;
    static final int UART_IIR_RDI = 0x04;
    static final int UART_IIR_RLSI = 0x06;
    static final int UART_IIR_FIFO_ENABLED = 0xc0;
    static final int UART_IIR_FIFO_ENABLED_16550A = 0xc0;

    static final int UART_FCR_ENABLE_FIFO = 0x01;
    static final int UART_FCR_CLEAR_RCVR = 0x02;
    static final int UART_FCR_CLEAR_XMIT = 0x04;
    static final int UART_FCR_TRIGGER_MASK = 0xc0;

    static final int UART_LCR_DLAB = 0x80;
    static final int UART_LCR_WLEN8 = 0x03;

    static final int UART_MCR_LOOP = 0x10;
    static final int UART_MCR_OUT2 = 0x08;
    static final int UART_MCR_OUT1 = 0x04;
    static final int UART_MCR_RTS = 0x02;
    static final int UART_MCR_DTR = 0x01;
    /** The five MCR bits a 16550A implements; the rest read as zero. */
    static final int UART_MCR_MASK = 0x1f;

    static final int UART_LSR_TEMT = 0x40;
    static final int UART_LSR_THRE = 0x20;
    static final int UART_LSR_BI = 0x10;
    static final int UART_LSR_FE = 0x08;
    static final int UART_LSR_PE = 0x04;
    static final int UART_LSR_OE = 0x02;
    static final int UART_LSR_DR = 0x01;
    static final int UART_LSR_BRK_ERROR_BITS = UART_LSR_BI | UART_LSR_FE | UART_LSR_PE | UART_LSR_OE;

    static final int UART_MSR_DCD = 0x80;
    static final int UART_MSR_RI = 0x40;
    static final int UART_MSR_DSR = 0x20;
    static final int UART_MSR_CTS = 0x10;
    static final int UART_MSR_DDCD = 0x08;
    static final int UART_MSR_TERI = 0x04;
    static final int UART_MSR_DDSR = 0x02;
    static final int UART_MSR_DCTS = 0x01;

    /** RX FIFO depth of a 16550A (uart_config[PORT_16550A].fifo_size in 8250_port.c). */
    public static final int FIFO_SIZE = 16;
    /** Divisor for 9600 baud from the 1.8432 MHz clock (115200 / 9600); the reset value we choose. */
    private static final int DEFAULT_DIVISOR = 12;
    /** How long {@link #flush()} waits for the console to take the buffered output. */
    private static final long FLUSH_TIMEOUT_SECONDS = 10;

    private final InterruptLine irq;
    private final SerialOutput output;
    private final ReentrantLock lock = new ReentrantLock();
    /** Told when the guest can take input again; set once by the assembly. */
    private volatile Runnable inputSpaceListener = () -> { };

    // Registers and state, guarded by lock.
    private int dll = DEFAULT_DIVISOR;
    private int dlm;
    private int ier;
    private int fcr;
    private int lcr;
    private int mcr;
    private int scr;
    private boolean overrun;     // UART_LSR_OE, cleared by reading LSR
    private boolean thrPending;  // THR-empty interrupt pending (cleared by IIR read or IER THRI off)
    private int msrDeltas;       // UART_MSR_DCTS..DDCD, cleared by reading MSR
    private boolean irqLevel;    // the UART's IRQ output as last computed
    private final byte[] rxFifo = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private boolean inputWanted; // an offer was cut short or found no room: tell the listener when there is

    /**
     * @param irq  the UART's interrupt line (IRQ 4 for COM1), triggered on each rising edge
     * @param sink where transmitted bytes go (the console); buffered, see {@link #flush()}
     */
    public Serial(InterruptLine irq, OutputStream sink) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.output = new SerialOutput(sink);
    }

    /**
     * The UART's registers and RX FIFO, for a snapshot.
     *
     * <p>Precondition: the device is quiescent — the machine has paused the vCPUs, so no register access is
     * in flight. Console input may still arrive: the record is taken under the lock, and a byte taken after
     * it was typed after the snapshot. What the record leaves to the console front end: input the host
     * still holds (offered but not taken, or not offered yet) stays with the front end, which offers it to
     * whichever UART runs next; guest output already transmitted but not yet written to the sink is not
     * guest state either (the guest saw it sent) — the machine drains it with {@link #flush()} when it
     * pauses. After {@link #restore} the front end offers input as to a new UART.
     */
    public SerialState state() {
        lock.lock();
        try {
            byte[] fifo = new byte[rxCount];
            for (int i = 0; i < rxCount; i++) {
                fifo[i] = rxFifo[(rxHead + i) % FIFO_SIZE];
            }
            return new SerialState(dll, dlm, ier, fcr, lcr, mcr, scr, overrun, thrPending, msrDeltas, fifo);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A UART in the state a snapshot recorded. The record is untrusted: a register bit the 16550A does not
     * have or a FIFO longer than the receiver's throws {@link io.jvmm.devices.DeviceStateException} naming
     * the field, before anything is built. The IRQ output level is recomputed from the registers and no
     * edge is sent: an interrupt pending at the snapshot was already delivered (the interrupt controller's
     * state is restored with the VM's).
     *
     * @param irq  as for {@link #Serial(InterruptLine, OutputStream)}
     * @param sink as for {@link #Serial(InterruptLine, OutputStream)}
     */
    public static Serial restore(SerialState state, InterruptLine irq, OutputStream sink) {
        Objects.requireNonNull(state, "state").validate();
        Serial uart = new Serial(irq, sink);
        uart.lock.lock();
        try {
            uart.dll = state.dll();
            uart.dlm = state.dlm();
            uart.ier = state.ier();
            uart.fcr = state.fcr();
            uart.lcr = state.lcr();
            uart.mcr = state.mcr();
            uart.scr = state.scr();
            uart.overrun = state.overrun();
            uart.thrPending = state.thrPending();
            uart.msrDeltas = state.msrDeltas();
            for (byte b : state.rxFifo()) {
                uart.rxPush(b);
            }
            uart.irqLevel = uart.pendingInterrupt() != UART_IIR_NO_INT;
        } finally {
            uart.lock.unlock();
        }
        return uart;
    }

    @Override
    public void read(long offset, byte[] data) {
        boolean raise = false;
        boolean flush = false;
        boolean space;
        lock.lock();
        try {
            // A wider access to an 8-bit ISA device is split by the bus into byte cycles at consecutive ports.
            for (int i = 0; i < data.length; i++) {
                long port = offset + i;
                if (port < 0 || port >= PORT_COUNT) {
                    data[i] = (byte) 0xff; // nothing decodes there: the ISA bus floats high
                    continue;
                }
                if (port == UART_IIR) {
                    flush = true; // the driver's interrupt handler looks at IIR when a burst ends
                }
                data[i] = (byte) readRegister((int) port);
            }
            raise = updateIrqLevel();
            space = inputSpaceOpened();
        } finally {
            lock.unlock();
        }
        finish(raise, flush, space);
    }

    @Override
    public void write(long offset, byte[] data) {
        boolean raise = false;
        boolean flush = false;
        boolean space;
        lock.lock();
        try {
            for (int i = 0; i < data.length; i++) {
                long port = offset + i;
                if (port < 0 || port >= PORT_COUNT) {
                    continue;
                }
                flush |= writeRegister((int) port, data[i] & 0xff);
            }
            raise = updateIrqLevel();
            space = inputSpaceOpened();
        } finally {
            lock.unlock();
        }
        finish(raise, flush, space);
    }

    /**
     * Offers host input to the guest without waiting: takes as many of the bytes as the guest can receive
     * now (room in the RX FIFO, RTS asserted, not in loopback) and raises the received-data interrupt.
     * When it takes fewer than {@code len}, the {@link #onInputSpace} listener runs once the guest can take
     * more; the caller keeps the rest and offers it again then. Nothing offered is ever dropped.
     *
     * @return how many bytes, from {@code off} on, the device took
     */
    public int offerInput(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        int taken = 0;
        boolean raise;
        lock.lock();
        try {
            while (taken < len && acceptsInput()) {
                rxPush(data[off + taken++]);
            }
            if (taken < len) {
                inputWanted = true;
            }
            raise = updateIrqLevel();
        } finally {
            lock.unlock();
        }
        if (raise) {
            irq.trigger();
        }
        return taken;
    }

    /**
     * How many bytes {@link #offerInput} would take now (0 before the guest's driver asserts RTS, in
     * loopback, or with a full FIFO). When 0, the {@link #onInputSpace} listener runs once that changes.
     */
    public int inputSpace() {
        lock.lock();
        try {
            int space = acceptsInput() ? rxCapacity() - rxCount : 0;
            if (space == 0) {
                inputWanted = true;
            }
            return space;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets who is told that the guest can take input again, after an offer was cut short or
     * {@link #inputSpace} said 0. The listener runs on the vCPU thread whose register access made room,
     * with no lock of this device held, and may call {@link #offerInput} directly; it must not block.
     */
    public void onInputSpace(Runnable listener) {
        this.inputSpaceListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Writes any buffered guest output to the sink and waits until the sink took it, for at most
     * {@value #FLUSH_TIMEOUT_SECONDS} s (a console nobody reads must not hang the exit). The assembly calls
     * this at exit. Returns false when output was still waiting.
     */
    public boolean flush() {
        return output.drain(FLUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Guest output dropped because the console did not keep up (see {@link SerialOutput}). */
    public long droppedOutputBytes() {
        return output.droppedBytes();
    }

    /**
     * One line for diagnostics (a guest that does not answer): the bytes waiting in the RX FIFO, IER and MCR,
     * the IRQ output level with its source, and the guest output the console has not taken yet, e.g.
     * {@code "RX FIFO 16 bytes, IER 0x05, MCR 0x0b, IRQ high (RDI), 0 bytes of output not yet written"}.
     * An output that stays high while the guest sleeps means the guest missed the edge: no new one comes until
     * the guest reads IIR (or masks IER) and the level falls. Output not yet written is an answer the guest gave
     * that the host has not seen: its writer thread ({@link SerialOutput}) has not run.
     */
    public String summary() {
        String line;
        lock.lock();
        try {
            int id = pendingInterrupt();
            String source = switch (id) {
                case UART_IIR_NO_INT -> "";
                case UART_IIR_RLSI -> " (RLSI)";
                case UART_IIR_RDI -> " (RDI)";
                case UART_IIR_THRI -> " (THRI)";
                default -> " (MSI)";
            };
            line = String.format("RX FIFO %d bytes, IER 0x%02x, MCR 0x%02x, IRQ %s%s", rxCount, ier, mcr,
                    irqLevel ? "high" : "low", source);
        } finally {
            lock.unlock();
        }
        return line + ", " + output.pendingBytes() + " bytes of output not yet written";
    }

    /** Bytes waiting in the RX FIFO (for tests and diagnostics). */
    int receiveFifoLevel() {
        lock.lock();
        try {
            return rxCount;
        } finally {
            lock.unlock();
        }
    }

    private void finish(boolean raise, boolean flush, boolean space) {
        if (flush) {
            output.requestFlush();
        }
        if (raise) {
            irq.trigger();
        }
        if (space) {
            inputSpaceListener.run();
        }
    }

    /** With lock held: true (once) when input was wanted and the guest can now take some. */
    private boolean inputSpaceOpened() {
        if (inputWanted && acceptsInput()) {
            inputWanted = false;
            return true;
        }
        return false;
    }

    private boolean dlab() {
        return (lcr & UART_LCR_DLAB) != 0;
    }

    private boolean loopback() {
        return (mcr & UART_MCR_LOOP) != 0;
    }

    private int rxCapacity() {
        return (fcr & UART_FCR_ENABLE_FIFO) != 0 ? FIFO_SIZE : 1;
    }

    private boolean acceptsInput() {
        return !loopback() && (mcr & UART_MCR_RTS) != 0 && rxCount < rxCapacity();
    }

    private int readRegister(int port) {
        return switch (port) {
            case UART_RX -> dlab() ? dll : rxPop();
            case UART_IER -> dlab() ? dlm : ier;
            case UART_IIR -> readIir();
            case UART_LCR -> lcr;
            case UART_MCR -> mcr;
            case UART_LSR -> readLsr();
            case UART_MSR -> readMsr();
            case UART_SCR -> scr;
            default -> 0xff;
        };
    }

    /**
     * For exit traces: the register the access reached, named as in the 16550A data sheet (the offsets are
     * serial_reg.h's UART_* constants), and the bits of the value that matter. Only the first byte of a
     * wider access is described.
     */
    @Override
    public Register describe(long offset, boolean write, byte[] data) {
        if (offset < 0 || offset >= PORT_COUNT || data.length == 0) {
            return null;
        }
        boolean dlab;
        lock.lock();
        try {
            dlab = dlab(); // what the access saw: no access at offsets 0 and 1 changes LCR
        } finally {
            lock.unlock();
        }
        int v = data[0] & 0xff;
        return switch ((int) offset) {
            case UART_TX -> dlab ? new Register("DLL", "divisor latch low: baud rate")
                    : write ? new Register("THR", "transmit") : new Register("RBR", "receive");
            case UART_IER -> dlab ? new Register("DLM", "divisor latch high: baud rate")
                    : new Register("IER", "interrupt enable: " + bits(v, UART_IER_RDI, "RDI", UART_IER_THRI, "THRI",
                            UART_IER_RLSI, "RLSI", UART_IER_MSI, "MSI"));
            case UART_IIR -> write ? new Register("FCR", "FIFO control")
                    : new Register("IIR", (v & UART_IIR_NO_INT) != 0 ? "no interrupt pending" : switch (v & UART_IIR_ID) {
                        case UART_IIR_THRI -> "interrupt: transmitter empty";
                        case UART_IIR_RDI -> "interrupt: received data";
                        case UART_IIR_RLSI -> "interrupt: line status";
                        default -> "interrupt: modem status";
                    });
            case UART_LCR -> new Register("LCR", (v & UART_LCR_DLAB) != 0 ? "line control: DLAB on" : "line control");
            case UART_MCR -> new Register("MCR", "modem control: " + bits(v, UART_MCR_DTR, "DTR", UART_MCR_RTS, "RTS",
                    UART_MCR_OUT1, "OUT1", UART_MCR_OUT2, "OUT2", UART_MCR_LOOP, "LOOP"));
            case UART_LSR -> new Register("LSR", "line status: " + bits(v, UART_LSR_DR, "DR", UART_LSR_OE, "OE",
                    UART_LSR_THRE, "THRE", UART_LSR_TEMT, "TEMT"));
            case UART_MSR -> new Register("MSR", "modem status");
            default -> new Register("SCR", "scratch");
        };
    }

    /** "DR THRE" for the set bits among (mask, name) pairs; "none" when none is set. */
    private static String bits(int value, Object... maskNames) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < maskNames.length; i += 2) {
            if ((value & (Integer) maskNames[i]) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(maskNames[i + 1]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /** Returns true when the write ends a transmit burst (the output should be flushed). */
    private boolean writeRegister(int port, int value) {
        switch (port) {
            case UART_TX -> {
                if (dlab()) {
                    dll = value;
                } else {
                    return transmit((byte) value);
                }
            }
            case UART_IER -> {
                if (dlab()) {
                    dlm = value;
                } else {
                    writeIer(value);
                    return true; // the driver rewrites IER when it starts or stops transmitting
                }
            }
            case UART_FCR -> writeFcr(value);
            case UART_LCR -> lcr = value;
            case UART_MCR -> writeMcr(value);
            case UART_SCR -> scr = value;
            default -> { } // LSR and MSR are read-only: writes are ignored (as on the 16550A)
        }
        return false;
    }

    private boolean transmit(byte b) {
        boolean flush = false;
        if (loopback()) {
            // Loopback: the transmitter shifts straight into the receiver; the line output is held idle.
            if (rxCount < rxCapacity()) {
                rxPush(b);
            } else {
                overrun = true;
            }
        } else {
            flush = output.append(b);
        }
        thrPending = true; // THR (and the shift register) are empty again at once
        return flush;
    }

    private void writeIer(int value) {
        int changed = (ier ^ value) & UART_IER_ALL_INTR;
        ier = value & UART_IER_ALL_INTR;
        // Turning THRI on with THR empty raises the interrupt (QEMU hw/char/serial.c does the same; Linux's
        // serial8250_do_startup() tests for it); turning it off drops it.
        if ((changed & UART_IER_THRI) != 0) {
            thrPending = (ier & UART_IER_THRI) != 0;
        }
    }

    private void writeFcr(int value) {
        // PC16550D: changing FCR bit 0 clears both FIFOs; bits 1/2 clear the RX/TX FIFO.
        if (((fcr ^ value) & UART_FCR_ENABLE_FIFO) != 0 || (value & UART_FCR_CLEAR_RCVR) != 0) {
            rxHead = 0;
            rxCount = 0;
        }
        // UART_FCR_CLEAR_XMIT: our transmitter never holds bytes, nothing to clear.
        fcr = value & (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
    }

    private void writeMcr(int value) {
        int before = modemStatus();
        mcr = value & UART_MCR_MASK;
        int after = modemStatus();
        int changed = before ^ after;
        if ((changed & UART_MSR_CTS) != 0) {
            msrDeltas |= UART_MSR_DCTS;
        }
        if ((changed & UART_MSR_DSR) != 0) {
            msrDeltas |= UART_MSR_DDSR;
        }
        if ((changed & UART_MSR_DCD) != 0) {
            msrDeltas |= UART_MSR_DDCD;
        }
        if ((before & UART_MSR_RI) != 0 && (after & UART_MSR_RI) == 0) {
            msrDeltas |= UART_MSR_TERI; // trailing edge of RI only
        }
    }

    /** The MSR status bits (7:4): the modem lines, or in loopback the MCR outputs wired back. */
    private int modemStatus() {
        if (loopback()) {
            int msr = 0;
            if ((mcr & UART_MCR_RTS) != 0) {
                msr |= UART_MSR_CTS;
            }
            if ((mcr & UART_MCR_DTR) != 0) {
                msr |= UART_MSR_DSR;
            }
            if ((mcr & UART_MCR_OUT1) != 0) {
                msr |= UART_MSR_RI;
            }
            if ((mcr & UART_MCR_OUT2) != 0) {
                msr |= UART_MSR_DCD;
            }
            return msr;
        }
        // The console is always "connected": carrier, data set ready, clear to send; no ring.
        return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    }

    private int readMsr() {
        int msr = modemStatus() | msrDeltas;
        msrDeltas = 0;
        return msr;
    }

    private int readLsr() {
        int lsr = UART_LSR_THRE | UART_LSR_TEMT;
        if (rxCount > 0) {
            lsr |= UART_LSR_DR;
        }
        if (overrun) {
            lsr |= UART_LSR_OE;
            overrun = false; // error bits clear on read
        }
        return lsr;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == UART_IIR_THRI) {
            thrPending = false; // reading IIR clears THRE when it is the reported source
        }
        int fifo = (fcr & UART_FCR_ENABLE_FIFO) != 0 ? UART_IIR_FIFO_ENABLED_16550A : 0;
        return id | fifo;
    }

    /** The highest-priority pending enabled source, as IIR bits 3:0 (PC16550D table "Interrupt Control"). */
    private int pendingInterrupt() {
        if ((ier & UART_IER_RLSI) != 0 && overrun) {
            return UART_IIR_RLSI;
        }
        if ((ier & UART_IER_RDI) != 0 && rxCount > 0) {
            return UART_IIR_RDI;
        }
        if ((ier & UART_IER_THRI) != 0 && thrPending) {
            return UART_IIR_THRI;
        }
        if ((ier & UART_IER_MSI) != 0 && msrDeltas != 0) {
            return UART_IIR_MSI;
        }
        return UART_IIR_NO_INT;
    }

    /** Recomputes the IRQ output; returns true on a rising edge (the caller triggers the line). */
    private boolean updateIrqLevel() {
        boolean level = pendingInterrupt() != UART_IIR_NO_INT;
        boolean rising = level && !irqLevel;
        irqLevel = level;
        return rising;
    }

    private void rxPush(byte b) {
        rxFifo[(rxHead + rxCount) % FIFO_SIZE] = b;
        rxCount++;
    }

    private int rxPop() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rxFifo[rxHead] & 0xff;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        return b;
    }
}
