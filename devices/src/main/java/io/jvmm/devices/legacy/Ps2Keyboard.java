package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;

import java.util.ArrayDeque;

/**
 * The PS/2 keyboard on the {@link I8042}'s first port: it answers the commands Linux's atkbd driver sends
 * (drivers/input/keyboard/atkbd.c, include/linux/libps2.h) and types the keys the VMM presses. It has no
 * keys of its own besides Ctrl, Alt and Delete, which is what Firecracker's SendCtrlAltDel needs.
 *
 * <p>Commands, as the atkbd driver names them (ATKBD_CMD_*): every command byte is acknowledged with
 * ATKBD_RET_ACK (0xfa); a command that takes a parameter acknowledges that too. An unknown command (or
 * a parameter out of range) answers ATKBD_RET_NAK (0xfe), which libps2 reports as a failed command.
 * <pre>
 * 0xed SETLEDS  param   the LED bits                    0xf4 ENABLE     scanning on
 * 0xee ECHO             answers 0xee (no ACK)           0xf5 RESET_DIS  defaults, scanning off
 * 0xf0 SCANSET  param   0: ACK + the set; 1, 2: select  0xf6 RESET_DEF  defaults, scanning on
 * 0xf2 GETID            ACK, 0xab 0x83 (MF2 keyboard)   0xfe RESEND     the last byte again
 * 0xf3 SETREP   param   typematic rate and delay        0xff RESET_BAT  ACK, 0xaa (self-test passed)
 * </pre>
 * Scan code set 3 (and the set-3-only commands 0xf7-0xfd) is not offered: atkbd asks for it only when
 * booted with {@code atkbd.set=3}, and then falls back to set 2 on the NAK.
 *
 * <p>Translation: a PC's controller translates set 2 into set 1 when its command byte has
 * I8042_CTR_XLATE (Linux keeps the bit the firmware set; jvmm's controller starts with it, as a PC BIOS
 * leaves it). The keyboard is told whether translation is on when a byte is queued and queues what the
 * guest must read: the key's set-1 codes when translated, else the codes of the selected set, and the ID
 * byte 0x83 as the translated 0x41. Key codes (IBM PC AT / PS/2 keyboard tables): Left Ctrl set 1 0x1d,
 * set 2 0x14; Left Alt 0x38 / 0x11; Delete (an extended key, prefix 0xe0) 0x53 / 0x71. A release is the
 * make code with bit 7 set in set 1, and 0xf0 before the make code in set 2.
 *
 * <p>Not thread-safe: the {@link I8042} calls it under its own lock.
 */
final class Ps2Keyboard {
    static final int ATKBD_CMD_SETLEDS = 0xed;
    static final int ATKBD_CMD_ECHO = 0xee;
    static final int ATKBD_CMD_SCANSET = 0xf0;
    static final int ATKBD_CMD_GETID = 0xf2;
    static final int ATKBD_CMD_SETREP = 0xf3;
    static final int ATKBD_CMD_ENABLE = 0xf4;
    static final int ATKBD_CMD_RESET_DIS = 0xf5;
    static final int ATKBD_CMD_RESET_DEF = 0xf6;
    static final int ATKBD_CMD_RESEND = 0xfe;
    static final int ATKBD_CMD_RESET_BAT = 0xff;

    static final int ATKBD_RET_ACK = 0xfa;
    static final int ATKBD_RET_NAK = 0xfe;
    static final int ATKBD_RET_BAT = 0xaa;
    static final int ATKBD_RET_ECHO = 0xee;
    static final int ATKBD_RET_EMUL0 = 0xe0;
    static final int ATKBD_RET_RELEASE = 0xf0;

    /** GETID's answer: an MF2 keyboard, 0xab 0x83; through a translating controller 0xab 0x41. */
    static final int KEYBOARD_ID_0 = 0xab;
    static final int KEYBOARD_ID_1 = 0x83;
    static final int KEYBOARD_ID_1_TRANSLATED = 0x41;

    /** Typematic default after reset: 10.9 characters/s, 500 ms delay (the PS/2 keyboard's power-on value). */
    static final int TYPEMATIC_DEFAULT = 0x2b;
    static final int SCANSET_DEFAULT = 2;

    /** The keyboard's own FIFO; a real keyboard buffers 16 bytes while the controller is busy. */
    static final int FIFO_SIZE = 16;
    static final int NO_COMMAND = -1;

    /** The keys this keyboard can type, with their make codes (0xe0-prefixed when extended). */
    enum Key {
        LEFT_CTRL(0x1d, 0x14, false),
        LEFT_ALT(0x38, 0x11, false),
        DELETE(0x53, 0x71, true);

        final int set1;
        final int set2;
        final boolean extended;

        Key(int set1, int set2, boolean extended) {
            this.set1 = set1;
            this.set2 = set2;
            this.extended = extended;
        }
    }

    private final ArrayDeque<Integer> fifo = new ArrayDeque<>();
    private boolean scanning = true;
    private int scanSet = SCANSET_DEFAULT;
    private int leds;
    private int typematic = TYPEMATIC_DEFAULT;
    private int pendingCommand = NO_COMMAND;
    private int lastSent = ATKBD_RET_ACK;

    Ps2Keyboard() {
    }

    /** A keyboard in the state {@link #state()} recorded; the record is checked first. */
    static Ps2Keyboard restore(I8042State.Keyboard s) {
        if (s == null) {
            throw new DeviceStateException(I8042State.DEVICE, "keyboard is missing");
        }
        s.validate();
        Ps2Keyboard k = new Ps2Keyboard();
        k.scanning = s.scanning();
        k.scanSet = s.scanSet();
        k.leds = s.leds();
        k.typematic = s.typematic();
        k.pendingCommand = s.pendingCommand();
        k.lastSent = s.lastSent();
        k.fifo.addAll(s.fifo());
        return k;
    }

    I8042State.Keyboard state() {
        return new I8042State.Keyboard(scanning, scanSet, leds, typematic, pendingCommand, lastSent,
                java.util.List.copyOf(fifo));
    }

    /** Whether a byte waits to go to the controller. */
    boolean hasOutput() {
        return !fifo.isEmpty();
    }

    /** The next byte for the controller; call only when {@link #hasOutput()}. */
    int takeOutput() {
        return fifo.pollFirst();
    }

    boolean scanning() {
        return scanning;
    }

    int leds() {
        return leds;
    }

    int scanSet() {
        return scanSet;
    }

    int typematic() {
        return typematic;
    }

    /**
     * A byte the host wrote to the keyboard (the controller's data port with no controller command
     * pending): a command or a command's parameter.
     *
     * @param translated whether the controller translates (I8042_CTR_XLATE), for replies that depend on it
     */
    void receive(int value, boolean translated) {
        int cmd = pendingCommand;
        if (cmd != NO_COMMAND) {
            pendingCommand = NO_COMMAND;
            parameter(cmd, value, translated);
            return;
        }
        // A command clears what the keyboard had not sent yet, as it stops scanning to answer.
        fifo.clear();
        switch (value) {
            case ATKBD_CMD_SETLEDS, ATKBD_CMD_SETREP, ATKBD_CMD_SCANSET -> {
                pendingCommand = value;
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_ECHO -> send(ATKBD_RET_ECHO);
            case ATKBD_CMD_GETID -> {
                send(ATKBD_RET_ACK);
                send(KEYBOARD_ID_0);
                send(translated ? KEYBOARD_ID_1_TRANSLATED : KEYBOARD_ID_1);
            }
            case ATKBD_CMD_ENABLE -> {
                scanning = true;
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_RESET_DIS -> {
                defaults();
                scanning = false;
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_RESET_DEF -> {
                defaults();
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_RESEND -> fifo.addLast(lastSent);
            case ATKBD_CMD_RESET_BAT -> {
                defaults();
                leds = 0;
                send(ATKBD_RET_ACK);
                send(ATKBD_RET_BAT);
            }
            default -> send(ATKBD_RET_NAK);
        }
    }

    private void parameter(int cmd, int value, boolean translated) {
        switch (cmd) {
            case ATKBD_CMD_SETLEDS -> {
                leds = value & 0x07; // scroll, num, caps lock
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_SETREP -> {
                typematic = value & 0x7f;
                send(ATKBD_RET_ACK);
            }
            case ATKBD_CMD_SCANSET -> {
                if (value == 0) {
                    send(ATKBD_RET_ACK);
                    // Translated, the set number itself goes through the table: 1, 2 read 0x43, 0x41.
                    send(translated ? (scanSet == 1 ? 0x43 : 0x41) : scanSet);
                } else if (value == 1 || value == 2) {
                    scanSet = value;
                    send(ATKBD_RET_ACK);
                } else {
                    send(ATKBD_RET_NAK); // set 3 is not offered
                }
            }
            default -> throw new IllegalStateException("no parameter for command 0x" + Integer.toHexString(cmd));
        }
    }

    private void defaults() {
        scanning = true;
        scanSet = SCANSET_DEFAULT;
        typematic = TYPEMATIC_DEFAULT;
        pendingCommand = NO_COMMAND;
    }

    private void send(int value) {
        lastSent = value;
        if (fifo.size() < FIFO_SIZE) {
            fifo.addLast(value);
        }
    }

    /**
     * Types Ctrl+Alt+Del: Ctrl, Alt and Delete pressed in that order, then released in reverse.
     *
     * @param translated whether the controller translates set 2 into set 1 (I8042_CTR_XLATE)
     * @return null when the bytes were queued, else why not (scanning disabled by the guest, FIFO full)
     */
    String typeCtrlAltDel(boolean translated) {
        if (!scanning) {
            return "the guest has disabled the keyboard (ATKBD_CMD_RESET_DIS) and not enabled it again";
        }
        Key[] keys = {Key.LEFT_CTRL, Key.LEFT_ALT, Key.DELETE};
        ArrayDeque<Integer> bytes = new ArrayDeque<>();
        for (Key k : keys) {
            key(bytes, k, true, translated);
        }
        for (int i = keys.length - 1; i >= 0; i--) {
            key(bytes, keys[i], false, translated);
        }
        if (FIFO_SIZE - fifo.size() < bytes.size()) {
            return "the keyboard's buffer is full: the guest has not read the keys sent before";
        }
        fifo.addAll(bytes);
        return null;
    }

    private void key(ArrayDeque<Integer> out, Key k, boolean press, boolean translated) {
        if (k.extended) {
            out.addLast(ATKBD_RET_EMUL0);
        }
        if (translated || scanSet == 1) {
            out.addLast(press ? k.set1 : k.set1 | 0x80);
        } else {
            if (!press) {
                out.addLast(ATKBD_RET_RELEASE);
            }
            out.addLast(k.set2);
        }
    }
}
