package io.jvmm.devices.legacy;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.irq.InterruptLine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The i8042 keyboard controller with a PS/2 keyboard ({@link Ps2Keyboard}) on its first port and nothing
 * on its second (aux) port: enough for Linux's {@code reboot=k}, for its i8042 and atkbd drivers to probe
 * without waiting for a timeout, and for the VMM to type Ctrl+Alt+Del ({@link #sendCtrlAltDel()}, the
 * Firecracker API's SendCtrlAltDel).
 *
 * <p>Ports, as in drivers/input/serio/i8042-io.h (I8042_DATA_REG = base, I8042_STATUS_REG =
 * I8042_COMMAND_REG = base + 4). The assembly inserts this device once, at 0x60 with length
 * {@link #PORT_COUNT} (as Firecracker does):
 * <pre>
 * offset  port  read               write
 *   0     0x60  I8042_DATA_REG     I8042_DATA_REG (parameter of the pending command)
 *   1-3   0x61+ not decoded (0xff) ignored
 *   4     0x64  I8042_STATUS_REG   I8042_COMMAND_REG
 * </pre>
 * Port 0x61 (port B: PIT channel 2 gate and output, used by Linux's TSC calibration) belongs to the PIT:
 * KVM serves port 0x61 in the kernel when KVM_CREATE_PIT2 gets the KVM_PIT_SPEAKER_DUMMY flag
 * (arch/x86/kvm/i8254.c), so those accesses never reach this device; without that flag they read 0xff.
 *
 * <p>Reset: arch/x86/kernel/reboot.c (BOOT_KBD) waits for I8042_STR_IBF to clear ({@code kb_wait()}) and
 * writes 0xfe to port 0x64 — "pulse output line 0", which is wired to the CPU's reset. Every command
 * 0xf0-0xff with bit 0 clear pulses that line, and writing the output port (0xd1) with bit 0 clear holds
 * it; each calls the reset callback. Linux repeats the command up to ten times, so the callback may run
 * more than once and must be idempotent.
 *
 * <p>Status: commands complete at once, so I8042_STR_IBF is never set and {@code kb_wait()} returns on its
 * first read. I8042_STR_OBF is set while a reply waits in the output buffer (I8042_STR_AUXDATA when it
 * came from the aux side), I8042_STR_CMDDAT says whether the last write went to 0x64, I8042_STR_KEYLOCK
 * says "not inhibited", and bit 2 is the system flag (named I8042_STR_MUXERR by Linux, which only reads
 * it in active-multiplexing mode) copied from the command byte.
 *
 * <p>Controller commands answered (names from include/linux/i8042.h): I8042_CMD_CTL_RCTR/WCTR,
 * I8042_CMD_CTL_TEST (I8042_RET_CTL_TEST), I8042_CMD_KBD_TEST/AUX_TEST (0x00: no error), KBD/AUX
 * DISABLE/ENABLE (the CTR bits follow, which i8042_toggle_aux() checks), KBD/AUX_LOOP (the byte comes
 * back), read/write output port. A byte written to the data port with no command pending goes to the
 * keyboard, which answers through the output buffer; bytes for the aux port (I8042_CMD_AUX_SEND) go
 * nowhere: no mouse is attached.
 *
 * <p>Interrupts (IRQ 1 keyboard, IRQ 12 aux, edge-triggered as on the ISA bus): a keyboard byte raises
 * IRQ 1 when it reaches the output buffer and the command byte has I8042_CTR_KBDINT; an I8042_CMD_AUX_LOOP
 * reply raises IRQ 12 when it reaches the head of the output buffer and I8042_CTR_AUXINT is set (Linux's
 * i8042_check_aux() tests IRQ 12 that way, and waits 250 ms when none comes). Replies to other controller
 * commands raise none: Linux reads them by polling the status register. Keyboard bytes move from the
 * keyboard's FIFO into the output buffer only while the output buffer is empty and the keyboard interface
 * is enabled (I8042_CTR_KBDDIS clear), one byte per interrupt, as the real controller does.
 *
 * <p>Firecracker's i8042 (src/vmm/src/devices/legacy/i8042.rs) acknowledges every keyboard byte with
 * 0xfa and types only the set-2 make codes of Ctrl, Alt and Delete, with translation off; guests are
 * booted with {@code i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd} there. Here the keyboard answers
 * atkbd's probe (GETID, RESET_DIS, SETLEDS, SETREP, ENABLE) properly, so no option is needed.
 */
public final class I8042 implements BusDevice {
    /** Ports decoded from the base (0x60..0x64). */
    public static final int PORT_COUNT = 5;

    static final int I8042_DATA_REG = 0;
    static final int I8042_STATUS_REG = 4;
    static final int I8042_COMMAND_REG = 4;

    static final int I8042_STR_TIMEOUT = 0x40;
    static final int I8042_STR_AUXDATA = 0x20;
    static final int I8042_STR_KEYLOCK = 0x10;
    static final int I8042_STR_CMDDAT = 0x08;
    static final int I8042_STR_MUXERR = 0x04;
    static final int I8042_STR_IBF = 0x02;
    static final int I8042_STR_OBF = 0x01;

    static final int I8042_CTR_KBDINT = 0x01;
    static final int I8042_CTR_AUXINT = 0x02;
    /** Command-byte bit 2, the system flag ("POST passed"); Linux has no name for it. */
    static final int I8042_CTR_SYSFLAG = 0x04;
    static final int I8042_CTR_KBDDIS = 0x10;
    static final int I8042_CTR_AUXDIS = 0x20;
    static final int I8042_CTR_XLATE = 0x40;

    // Command opcodes: the low byte of Linux's I8042_CMD_* values (the upper bits count parameters).
    static final int I8042_CMD_CTL_RCTR = 0x20;
    static final int I8042_CMD_CTL_WCTR = 0x60;
    static final int I8042_CMD_CTL_TEST = 0xaa;
    static final int I8042_CMD_KBD_TEST = 0xab;
    static final int I8042_CMD_KBD_DISABLE = 0xad;
    static final int I8042_CMD_KBD_ENABLE = 0xae;
    static final int I8042_CMD_AUX_DISABLE = 0xa7;
    static final int I8042_CMD_AUX_ENABLE = 0xa8;
    static final int I8042_CMD_AUX_TEST = 0xa9;
    static final int I8042_CMD_READ_OUTPUT_PORT = 0xd0;
    static final int I8042_CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int I8042_CMD_KBD_LOOP = 0xd2;
    static final int I8042_CMD_AUX_LOOP = 0xd3;
    static final int I8042_CMD_AUX_SEND = 0xd4;
    /** 0xf0-0xff: pulse the output lines whose bit is clear in the low nibble; 0xfe pulses reset only. */
    static final int I8042_CMD_PULSE_OUTPUT = 0xf0;
    static final int I8042_CMD_PULSE_RESET = 0xfe;

    static final int I8042_RET_CTL_TEST = 0x55;
    /** Output port bit 0: the CPU reset line, active low. Bit 1 is the A20 gate. */
    static final int OUTPUT_PORT_RESET = 0x01;
    static final int OUTPUT_PORT_A20 = 0x02;

    /** Linux flushes at most I8042_BUFFER_SIZE (32) bytes; our replies never queue more than a few. */
    static final int OUTPUT_BUFFER_SIZE = 16;
    private static final int FROM_AUX = 0x100;
    static final int NO_COMMAND = -1;

    private final Runnable reset;
    private final InterruptLine keyboardIrq;
    private final InterruptLine auxIrq;

    // Guarded by this.
    private int ctr = I8042_CTR_KBDINT | I8042_CTR_SYSFLAG | I8042_CTR_XLATE;
    private int outputPort = OUTPUT_PORT_RESET | OUTPUT_PORT_A20; // reset line high (inactive), A20 on
    private int pendingCommand = NO_COMMAND;
    private boolean lastWriteWasCommand;
    private int lastData;
    private final ArrayDeque<Integer> outputBuffer = new ArrayDeque<>();
    private Ps2Keyboard keyboard = new Ps2Keyboard();
    /**
     * Whether the byte at the head of the output buffer has had its interrupt (or was found to need none).
     * Keyboard bytes enter an empty buffer and are announced at once; a restored buffer counts as
     * announced (the interrupt, if any, is in the saved irqchip state).
     */
    private boolean headAnnounced = true;

    /** A controller whose interrupts go nowhere (tests, and machines without an irqchip). */
    public I8042(Runnable reset) {
        this(reset, InterruptLine.NONE, InterruptLine.NONE);
    }

    /**
     * @param reset       called when the guest pulses the reset line; the assembly ends the VM (exit 0)
     * @param keyboardIrq IRQ 1
     * @param auxIrq      IRQ 12
     */
    public I8042(Runnable reset, InterruptLine keyboardIrq, InterruptLine auxIrq) {
        this.reset = Objects.requireNonNull(reset, "reset");
        this.keyboardIrq = Objects.requireNonNull(keyboardIrq, "keyboardIrq");
        this.auxIrq = Objects.requireNonNull(auxIrq, "auxIrq");
    }

    /**
     * The controller's state, for a snapshot. Precondition: the device is quiescent (the machine has
     * paused the vCPUs); the lock is taken all the same.
     */
    public synchronized I8042State state() {
        List<I8042State.Reply> replies = new ArrayList<>(outputBuffer.size());
        for (int entry : outputBuffer) {
            replies.add(new I8042State.Reply(entry & 0xff, (entry & FROM_AUX) != 0));
        }
        return new I8042State(ctr, outputPort, pendingCommand, lastWriteWasCommand, lastData, replies,
                keyboard.state());
    }

    /**
     * A controller in the state a snapshot recorded. The record is untrusted: a value that is not a byte,
     * an unknown pending command, the reset line held low or an output buffer longer than the
     * controller's throws {@link io.jvmm.devices.DeviceStateException} naming the field.
     *
     * @param reset as for {@link #I8042(Runnable, InterruptLine, InterruptLine)}, and the interrupt lines
     */
    public static I8042 restore(I8042State state, Runnable reset, InterruptLine keyboardIrq, InterruptLine auxIrq) {
        Objects.requireNonNull(state, "state").validate();
        Ps2Keyboard keyboard = Ps2Keyboard.restore(state.keyboard());
        I8042 dev = new I8042(reset, keyboardIrq, auxIrq);
        synchronized (dev) {
            dev.ctr = state.ctr();
            dev.outputPort = state.outputPort();
            dev.pendingCommand = state.pendingCommand();
            dev.lastWriteWasCommand = state.lastWriteWasCommand();
            dev.lastData = state.lastData();
            for (I8042State.Reply r : state.outputBuffer()) {
                dev.outputBuffer.addLast(r.value() | (r.fromAux() ? FROM_AUX : 0));
            }
            dev.keyboard = keyboard;
        }
        return dev;
    }

    /** {@link #restore(I8042State, Runnable, InterruptLine, InterruptLine)} with interrupts that go nowhere. */
    public static I8042 restore(I8042State state, Runnable reset) {
        return restore(state, reset, InterruptLine.NONE, InterruptLine.NONE);
    }

    /**
     * After a restore, once the vCPUs' interrupt state is back: an edge for the byte waiting at the head of
     * the output buffer, as it may have been raised after the irqchip's state was saved (irqfd injection is
     * asynchronous). A keyboard byte gets IRQ 1, an aux byte IRQ 12, when the command byte enables them; a
     * reply to a controller command (the last write went to the command port) gets none, as at run time.
     */
    public void interruptAfterRestore() {
        int irqs = 0;
        synchronized (this) {
            Integer head = outputBuffer.peekFirst();
            if (head != null) {
                if ((head & FROM_AUX) != 0) {
                    irqs = (ctr & I8042_CTR_AUXINT) != 0 ? IRQ_AUX : 0;
                } else if (!lastWriteWasCommand && (ctr & I8042_CTR_KBDINT) != 0) {
                    irqs = IRQ_KEYBOARD;
                }
            }
        }
        raise(irqs);
    }

    /**
     * Types Ctrl+Alt+Del on the keyboard (Firecracker's SendCtrlAltDel): the keys are pressed and
     * released, and the guest reads them one interrupt at a time. What the guest does then is its own
     * affair (Linux: ctrl_alt_del(), a restart or SIGINT to init). Safe from any thread.
     *
     * @return null when the keys were queued, else why they were not (one line)
     */
    public String sendCtrlAltDel() {
        int irqs;
        String refused;
        synchronized (this) {
            refused = keyboard.typeCtrlAltDel((ctr & I8042_CTR_XLATE) != 0);
            irqs = pump();
        }
        raise(irqs);
        return refused;
    }

    @Override
    public void read(long offset, byte[] data) {
        int irqs = 0;
        synchronized (this) {
            // Wider accesses are split into byte cycles at consecutive ports, as the ISA bus does.
            for (int i = 0; i < data.length; i++) {
                long port = offset + i;
                if (port == I8042_DATA_REG) {
                    data[i] = (byte) readData();
                    irqs |= pump();
                } else if (port == I8042_STATUS_REG) {
                    data[i] = (byte) status();
                } else {
                    data[i] = (byte) 0xff;
                }
            }
        }
        raise(irqs);
    }

    @Override
    public void write(long offset, byte[] data) {
        int resets = 0;
        int irqs = 0;
        synchronized (this) {
            for (int i = 0; i < data.length; i++) {
                long port = offset + i;
                int value = data[i] & 0xff;
                if (port == I8042_DATA_REG) {
                    resets += writeData(value) ? 1 : 0;
                } else if (port == I8042_COMMAND_REG) {
                    resets += writeCommand(value) ? 1 : 0;
                }
                irqs |= pump();
            }
        }
        raise(irqs);
        // Outside the lock: the callback may stop vCPU threads that wait on this device.
        for (int i = 0; i < resets; i++) {
            reset.run();
        }
    }

    /** For exit traces: the data port or the status/command port, and the command's name for the ones that matter. */
    @Override
    public Register describe(long offset, boolean write, byte[] data) {
        if (data.length == 0) {
            return null;
        }
        int v = data[0] & 0xff;
        if (offset == I8042_DATA_REG) {
            return new Register("DATA", write ? "data for the controller or keyboard" : "output buffer");
        }
        if (offset != I8042_COMMAND_REG) {
            return null;
        }
        if (!write) {
            return new Register("STATUS", "status");
        }
        return new Register("COMMAND", switch (v) {
            case I8042_CMD_PULSE_RESET -> "pulse the CPU reset line: the guest reboots";
            case I8042_CMD_CTL_RCTR -> "read the control register";
            case I8042_CMD_CTL_WCTR -> "write the control register";
            case I8042_CMD_CTL_TEST -> "controller self-test";
            case I8042_CMD_WRITE_OUTPUT_PORT -> "write the output port";
            default -> "command 0x" + Integer.toHexString(v);
        });
    }

    private int status() {
        int str = I8042_STR_KEYLOCK;
        if ((ctr & I8042_CTR_SYSFLAG) != 0) {
            str |= I8042_STR_MUXERR;
        }
        if (lastWriteWasCommand) {
            str |= I8042_STR_CMDDAT;
        }
        Integer head = outputBuffer.peekFirst();
        if (head != null) {
            str |= I8042_STR_OBF;
            if ((head & FROM_AUX) != 0) {
                str |= I8042_STR_AUXDATA;
            }
        }
        return str;
    }

    private int readData() {
        Integer head = outputBuffer.pollFirst();
        if (head != null) {
            lastData = head & 0xff;
            headAnnounced = false;
        }
        return lastData; // an empty buffer reads the last byte again, as the real latch does
    }

    private void reply(int value, boolean fromAux) {
        if (outputBuffer.size() < OUTPUT_BUFFER_SIZE) {
            if (outputBuffer.isEmpty()) {
                headAnnounced = false;
            }
            outputBuffer.addLast((value & 0xff) | (fromAux ? FROM_AUX : 0));
        }
    }

    private static final int IRQ_KEYBOARD = 1;
    private static final int IRQ_AUX = 2;

    /**
     * Moves the output buffer on after a change: a keyboard byte enters an empty output buffer when the
     * keyboard interface is enabled (IRQ 1 if enabled), an aux byte at its head is announced (IRQ 12 if
     * enabled). Returns the interrupts to raise once the lock is released.
     */
    private int pump() {
        int irqs = 0;
        if (outputBuffer.isEmpty() && keyboard.hasOutput() && (ctr & I8042_CTR_KBDDIS) == 0) {
            outputBuffer.addLast(keyboard.takeOutput());
            headAnnounced = true;
            if ((ctr & I8042_CTR_KBDINT) != 0) {
                irqs |= IRQ_KEYBOARD;
            }
        }
        Integer head = outputBuffer.peekFirst();
        if (head != null && !headAnnounced) {
            headAnnounced = true;
            if ((head & FROM_AUX) != 0 && (ctr & I8042_CTR_AUXINT) != 0) {
                irqs |= IRQ_AUX;
            }
        }
        return irqs;
    }

    private void raise(int irqs) {
        if ((irqs & IRQ_KEYBOARD) != 0) {
            keyboardIrq.trigger();
        }
        if ((irqs & IRQ_AUX) != 0) {
            auxIrq.trigger();
        }
    }

    /** Returns true when the command pulses the reset line. */
    private boolean writeCommand(int cmd) {
        lastWriteWasCommand = true;
        pendingCommand = NO_COMMAND; // a new command aborts one still waiting for its parameter
        switch (cmd) {
            case I8042_CMD_CTL_RCTR -> reply(ctr, false);
            case I8042_CMD_CTL_WCTR, I8042_CMD_WRITE_OUTPUT_PORT, I8042_CMD_KBD_LOOP, I8042_CMD_AUX_LOOP,
                    I8042_CMD_AUX_SEND -> pendingCommand = cmd;
            case I8042_CMD_CTL_TEST -> reply(I8042_RET_CTL_TEST, false);
            case I8042_CMD_KBD_TEST, I8042_CMD_AUX_TEST -> reply(0x00, false);
            case I8042_CMD_KBD_DISABLE -> ctr |= I8042_CTR_KBDDIS;
            case I8042_CMD_KBD_ENABLE -> ctr &= ~I8042_CTR_KBDDIS;
            case I8042_CMD_AUX_DISABLE -> ctr |= I8042_CTR_AUXDIS;
            case I8042_CMD_AUX_ENABLE -> ctr &= ~I8042_CTR_AUXDIS;
            case I8042_CMD_READ_OUTPUT_PORT -> reply(outputPort, false);
            default -> {
                if ((cmd & I8042_CMD_PULSE_OUTPUT) == I8042_CMD_PULSE_OUTPUT) {
                    return (cmd & OUTPUT_PORT_RESET) == 0; // I8042_CMD_PULSE_RESET and friends
                }
                // Other commands (read RAM, MUX, password, ...) are not implemented: no reply.
            }
        }
        return false;
    }

    /** Returns true when the write pulls the reset line low. */
    private boolean writeData(int value) {
        lastWriteWasCommand = false;
        int cmd = pendingCommand;
        pendingCommand = NO_COMMAND;
        switch (cmd) {
            case I8042_CMD_CTL_WCTR -> ctr = value;
            case I8042_CMD_KBD_LOOP -> reply(value, false);
            case I8042_CMD_AUX_LOOP -> reply(value, true);
            case I8042_CMD_WRITE_OUTPUT_PORT -> {
                outputPort = value | OUTPUT_PORT_RESET; // the reset line comes back up after the pulse
                return (value & OUTPUT_PORT_RESET) == 0;
            }
            case I8042_CMD_AUX_SEND -> { } // no mouse is attached
            default -> keyboard.receive(value, (ctr & I8042_CTR_XLATE) != 0);
        }
        return false;
    }
}
