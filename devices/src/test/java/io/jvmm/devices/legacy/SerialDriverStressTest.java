package io.jvmm.devices.legacy;

import static io.jvmm.devices.legacy.Serial.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvmm.core.irq.InterruptLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The typed-command round trip of a restored clone, without KVM: a host thread types lines into the UART while a
 * "vCPU" thread runs a guest that behaves as Linux's 8250 driver and tty layer do, and the interrupt reaches that
 * guest the way an irqfd into KVM's in-kernel IOAPIC delivers it. The guest answers each line; a line whose
 * answer does not come means an interrupt was lost (the guest sleeps, as in HLT, until one arrives) and fails
 * the test with the UART's state.
 *
 * <p>What the guest does, after drivers/tty/serial/8250/8250_port.c and 8250_core.c:
 * <ul>
 *   <li>serial8250_interrupt(): calls the port's handler until it returns 0 (IIR says UART_IIR_NO_INT), at most
 *       PASS_LIMIT (512) times;</li>
 *   <li>serial8250_handle_irq(): reads IIR, LSR; receives while LSR has UART_LSR_DR (at most 256 bytes); reads MSR;
 *       transmits up to 16 bytes when LSR has THRE and its IER copy has UART_IER_THRI, and clears THRI when its
 *       transmit buffer is empty (__stop_tx);</li>
 *   <li>after the interrupt, in process context (flush_to_ldisc, the shell): echoes what it received and answers
 *       each complete line, which sets UART_IER_THRI if it was clear (__start_tx);</li>
 *   <li>now and then a printk: serial8250_console_write() saves IER, writes 0, writes its text polling LSR for
 *       THRE, and restores IER — while the host keeps typing.</li>
 * </ul>
 *
 * <p>How the interrupt travels (virt/kvm/eventfd.c, arch/x86/kvm/ioapic.c): {@link Serial} triggers its line on
 * each rising edge of its IRQ output; the eventfd write queues the irqfd's inject work unless it is already queued
 * (so edges coalesce), and a kernel worker runs it later, on another thread, raising and lowering the IOAPIC pin;
 * the edge sets the vector's bit in the local APIC's IRR (where edges coalesce again) and the CPU takes it when it
 * is not handling one. The worker and the guest are delayed at random points, so the host's input, the worker's
 * delivery and the guest's register accesses interleave differently on each run.
 */
class SerialDriverStressTest {
    private static final int LINES = 300;
    /** Lines typed ahead of the guest's answers, as a user typing on would. */
    private static final int WINDOW = 3;
    /** A line not answered for this long means the guest is waiting for an interrupt that never comes. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Test
    @Timeout(120)
    void everyTypedLineIsAnsweredWhileInputPrintkAndTransmitInterleave() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Irqfd irqfd = new Irqfd(new Random(7), stop);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Serial uart = new Serial(irqfd, sink);
        Guest guest = new Guest(uart, new Random(11));
        AtomicReference<Throwable> guestFailed = new AtomicReference<>();
        guest.startup();
        Thread worker = Thread.ofPlatform().name("test-irqfd-worker").start(irqfd::run);
        Thread vcpu = Thread.ofPlatform().name("test-vcpu").start(() -> {
            try {
                while (!stop.get()) {
                    if (irqfd.awaitInterrupt(TimeUnit.MILLISECONDS.toNanos(20))) {
                        guest.interrupt();
                        guest.processContext();
                    }
                    // woken without an interrupt (a timer tick): the guest does not touch the UART
                }
            } catch (Throwable t) {
                guestFailed.set(t);
            }
        });
        StringBuilder expected = new StringBuilder();
        try {
            Random random = new Random(3);
            long lastProgress = System.nanoTime();
            int answered = 0;
            for (int i = 0; i < LINES; i++) {
                StringBuilder line = new StringBuilder("echo line-" + i + " ");
                int pad = random.nextInt(48);
                for (int k = 0; k < pad; k++) {
                    line.append((char) ('a' + random.nextInt(26)));
                }
                line.append('\n');
                expected.append(line).append("ok ").append(i).append('\n');
                byte[] b = line.toString().getBytes(StandardCharsets.US_ASCII);
                // Typed as the bench types: as fast as the UART takes it (RestoreSystems.type).
                for (int off = 0; off < b.length; ) {
                    off += uart.offerInput(b, off, b.length - off);
                    if (off < b.length) {
                        LockSupport.parkNanos(20_000);
                    }
                    if (System.nanoTime() - lastProgress > STALL_NANOS) {
                        fail(stalled("the guest stopped reading its input", i, guest, uart, guestFailed));
                    }
                    if (guest.answered.get() != answered) {
                        answered = guest.answered.get();
                        lastProgress = System.nanoTime();
                    }
                }
                while (guest.answered.get() < i + 1 - WINDOW || (i == LINES - 1 && guest.answered.get() < LINES)) {
                    if (guest.answered.get() != answered) {
                        answered = guest.answered.get();
                        lastProgress = System.nanoTime();
                    }
                    if (System.nanoTime() - lastProgress > STALL_NANOS) {
                        fail(stalled("no answer", i, guest, uart, guestFailed));
                    }
                    LockSupport.parkNanos(50_000);
                }
            }
        } finally {
            stop.set(true);
            vcpu.join(5000);
            irqfd.wake();
            worker.join(5000);
        }
        assertNull(guestFailed.get(), "the guest thread failed");
        uart.flush();
        // The guest's printk text is '*' only: what is left once it is taken out is every echo and answer, in order.
        String out = sink.toString(StandardCharsets.US_ASCII).replace("*", "");
        assertEquals(expected.toString(), out);
    }

    private static String stalled(String what, int line, Guest guest, Serial uart, AtomicReference<Throwable> failed) {
        return what + " at line " + line + " (" + guest.answered.get() + " answered, " + guest.interrupts
                + " interrupts handled, guest transmit buffer " + guest.xmit.size() + " bytes, IER copy 0x"
                + Integer.toHexString(guest.ier) + "); UART: " + uart.summary()
                + (failed.get() == null ? "" : "; guest thread failed: " + failed.get());
    }

    /**
     * An irqfd into an edge-triggered IOAPIC pin and one local APIC: {@link #trigger} is the eventfd write (the
     * inject work is queued unless it already is), {@link #run} the kernel worker that delivers it, later and on
     * its own thread, and the APIC's IRR bit is {@code irr}.
     */
    static final class Irqfd implements InterruptLine {
        private final AtomicBoolean queued = new AtomicBoolean();
        private final Semaphore work = new Semaphore(0);
        private final Random random;
        private final AtomicBoolean stop;
        private boolean irr;   // guarded by this

        Irqfd(Random random, AtomicBoolean stop) {
            this.random = random;
            this.stop = stop;
        }

        @Override
        public void trigger() {
            if (queued.compareAndSet(false, true)) {
                work.release(); // schedule_work(): a no-op while the work is queued and not yet running
            }
        }

        void wake() {
            work.release();
        }

        /** The worker: clears "queued" before it runs (as the workqueue clears PENDING), then delivers. */
        void run() {
            while (!stop.get()) {
                work.acquireUninterruptibly();
                queued.set(false);
                int r = random.nextInt(8);
                if (r == 0) {
                    LockSupport.parkNanos(random.nextInt(200_000)); // the worker waits for a host CPU
                } else if (r == 1) {
                    Thread.yield();
                }
                synchronized (this) {
                    irr = true; // the pin's rising edge reaches the APIC; a bit already set absorbs it
                    notifyAll();
                }
            }
        }

        /** HLT until an interrupt is pending, or {@code nanos}; takes it (clears the IRR bit) if one is. */
        synchronized boolean awaitInterrupt(long nanos) throws InterruptedException {
            long end = System.nanoTime() + nanos;
            while (!irr) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            irr = false;
            return true;
        }
    }

    /** The guest side: Linux's 8250 driver, its tty and a shell that answers each line, on the vCPU thread. */
    static final class Guest {
        private static final int PASS_LIMIT = 512;
        private static final int TX_LOADSZ = FIFO_SIZE;

        final Serial uart;
        final Random random;
        final AtomicInteger answered = new AtomicInteger();
        final ArrayDeque<Byte> xmit = new ArrayDeque<>();      // the tty's transmit buffer
        private final ByteArrayOutputStream flip = new ByteArrayOutputStream(); // received, not yet processed
        private final StringBuilder line = new StringBuilder();
        private final ArrayDeque<Integer> answerEnds = new ArrayDeque<>(); // bytes left to send when each answer is out
        private long sent;       // bytes written to THR from xmit
        private long queued;     // bytes ever put into xmit
        int ier;                 // the driver's copy of IER (up->ier)
        int interrupts;
        private int lines;

        Guest(Serial uart, Random random) {
            this.uart = uart;
            this.random = random;
        }

        private int in(int reg) {
            maybeDelay();
            byte[] b = new byte[1];
            uart.read(reg, b);
            return b[0] & 0xff;
        }

        private void out(int reg, int value) {
            maybeDelay();
            uart.write(reg, new byte[] {(byte) value});
        }

        /** The vCPU loses its host CPU now and then, between two register accesses. */
        private void maybeDelay() {
            if (random.nextInt(64) == 0) {
                Thread.yield();
            }
        }

        /** serial8250_do_startup() and set_termios with the tty open: FIFO on, DTR/RTS/OUT2, RX interrupts on. */
        void startup() {
            out(UART_LCR, UART_LCR_WLEN8);
            out(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
            out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
            ier = UART_IER_RLSI | UART_IER_RDI;
            out(UART_IER, ier);
        }

        /** serial8250_interrupt(): the port's handler until it reports no interrupt. */
        void interrupt() {
            interrupts++;
            for (int pass = 0; pass < PASS_LIMIT; pass++) {
                if (!handlePort()) {
                    return;
                }
            }
        }

        /** serial8250_default_handle_irq() / serial8250_handle_irq(). */
        private boolean handlePort() {
            int iir = in(UART_IIR);
            if ((iir & UART_IIR_NO_INT) != 0) {
                return false;
            }
            int lsr = in(UART_LSR);
            if ((lsr & UART_LSR_DR) != 0) {
                int max = 256;
                do {
                    flip.write(in(UART_RX));
                    lsr = in(UART_LSR);
                } while ((lsr & UART_LSR_DR) != 0 && --max > 0);
            }
            in(UART_MSR);
            if ((lsr & UART_LSR_THRE) != 0 && (ier & UART_IER_THRI) != 0) {
                txChars();
            }
            return true;
        }

        /** serial8250_tx_chars(): up to the FIFO's load size; __stop_tx() once the buffer is empty. */
        private void txChars() {
            for (int n = 0; n < TX_LOADSZ && !xmit.isEmpty(); n++) {
                out(UART_TX, xmit.poll());
                sent++;
            }
            while (!answerEnds.isEmpty() && answerEnds.peek() <= sent) {
                answerEnds.poll();
                answered.incrementAndGet();
            }
            if (xmit.isEmpty() && (ier & UART_IER_THRI) != 0) {
                ier &= ~UART_IER_THRI;
                out(UART_IER, ier);
            }
        }

        /** After the interrupt: the tty echoes what came in, the shell answers each line, uart_start() sends. */
        void processContext() {
            byte[] got = flip.toByteArray();
            flip.reset();
            for (byte b : got) {
                queue(b);
                if (b == '\n') {
                    String typed = line.toString();
                    line.setLength(0);
                    String n = typed.substring("echo line-".length(), typed.indexOf(' ', "echo line-".length()));
                    for (byte a : ("ok " + n + "\n").getBytes(StandardCharsets.US_ASCII)) {
                        queue(a);
                    }
                    answerEnds.add((int) queued);
                    lines++;
                } else {
                    line.append((char) b);
                }
            }
            if (random.nextInt(8) == 0) {
                consoleWrite("**");
            }
            if (!xmit.isEmpty() && (ier & UART_IER_THRI) == 0) {
                ier |= UART_IER_THRI; // __start_tx(): the THRE interrupt sends the rest
                out(UART_IER, ier);
            }
        }

        private void queue(byte b) {
            xmit.add(b);
            queued++;
        }

        /** serial8250_console_write(): IER off while the text goes out by polling, then restored. */
        private void consoleWrite(String text) {
            int saved = in(UART_IER);
            out(UART_IER, 0);
            for (int i = 0; i < text.length(); i++) {
                while ((in(UART_LSR) & UART_LSR_THRE) == 0) {
                    Thread.onSpinWait();
                }
                out(UART_TX, text.charAt(i));
            }
            out(UART_IER, saved);
        }
    }
}
