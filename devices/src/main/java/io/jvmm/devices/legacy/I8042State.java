package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;

import java.util.List;

import static io.jvmm.devices.legacy.I8042.*;

/**
 * The state of an {@link I8042}, as {@link I8042#state()} hands it out and {@link I8042#restore} takes it
 * back. Names follow include/linux/i8042.h.
 *
 * @param ctr                  the controller command byte (I8042_CTR_*)
 * @param outputPort           the output port (bit 0 the reset line, always high here; bit 1 A20)
 * @param pendingCommand       the command waiting for its parameter byte (I8042_CMD_CTL_WCTR,
 *                             I8042_CMD_WRITE_OUTPUT_PORT, I8042_CMD_KBD_LOOP, I8042_CMD_AUX_LOOP or
 *                             I8042_CMD_AUX_SEND), or -1 for none
 * @param lastWriteWasCommand  I8042_STR_CMDDAT: the last write went to the command port
 * @param lastData             the data latch, read again when the output buffer is empty
 * @param outputBuffer         replies waiting to be read from the data port, oldest first (at most 16)
 * @param keyboard             the PS/2 keyboard on the first port
 */
public record I8042State(int ctr, int outputPort, int pendingCommand, boolean lastWriteWasCommand, int lastData,
                         List<Reply> outputBuffer, Keyboard keyboard) {

    /** One byte of the output buffer and the side it came from (I8042_STR_AUXDATA when {@code fromAux}). */
    public record Reply(int value, boolean fromAux) {
    }

    /**
     * The keyboard's state ({@link Ps2Keyboard}); names as in drivers/input/keyboard/atkbd.c.
     *
     * @param scanning       keys are sent (ATKBD_CMD_ENABLE) or not (ATKBD_CMD_RESET_DIS)
     * @param scanSet        the scan code set, 1 or 2
     * @param leds           the LED bits of the last ATKBD_CMD_SETLEDS (0-7)
     * @param typematic      the byte of the last ATKBD_CMD_SETREP (0-0x7f)
     * @param pendingCommand the command waiting for its parameter (SETLEDS, SETREP, SCANSET) or -1
     * @param lastSent       the byte ATKBD_CMD_RESEND sends again
     * @param fifo           bytes not yet moved to the controller, oldest first (at most 16)
     */
    public record Keyboard(boolean scanning, int scanSet, int leds, int typematic, int pendingCommand, int lastSent,
                           List<Integer> fifo) {
        public Keyboard {
            fifo = fifo == null ? null : List.copyOf(fifo);
        }

        /**
         * A keyboard as it powers on (scanning, scan code set 2, LEDs off, default typematic rate, nothing
         * queued): the state of one that no guest driver has spoken to.
         */
        public static Keyboard atPowerOn() {
            return new Ps2Keyboard().state();
        }

        void validate() {
            if (scanSet != 1 && scanSet != 2) {
                throw new DeviceStateException(DEVICE, "keyboard.scanSet " + scanSet + " is not 1 or 2");
            }
            if (leds < 0 || leds > 7) {
                throw new DeviceStateException(DEVICE, "keyboard.leds " + leds + " is not 0-7");
            }
            if (typematic < 0 || typematic > 0x7f) {
                throw new DeviceStateException(DEVICE, "keyboard.typematic " + typematic + " is not 0-127");
            }
            switch (pendingCommand) {
                case Ps2Keyboard.NO_COMMAND, Ps2Keyboard.ATKBD_CMD_SETLEDS, Ps2Keyboard.ATKBD_CMD_SETREP,
                     Ps2Keyboard.ATKBD_CMD_SCANSET -> { }
                default -> throw new DeviceStateException(DEVICE, String.format(
                        "keyboard.pendingCommand 0x%x is not a command that waits for a parameter", pendingCommand));
            }
            checkByte("keyboard.lastSent", lastSent);
            if (fifo == null) {
                throw new DeviceStateException(DEVICE, "keyboard.fifo is missing");
            }
            if (fifo.size() > Ps2Keyboard.FIFO_SIZE) {
                throw new DeviceStateException(DEVICE, "keyboard.fifo holds " + fifo.size() + " bytes, more than "
                        + Ps2Keyboard.FIFO_SIZE);
            }
            for (int i = 0; i < fifo.size(); i++) {
                checkByte("keyboard.fifo[" + i + "]", fifo.get(i));
            }
        }
    }

    static final String DEVICE = "i8042";

    public I8042State {
        outputBuffer = outputBuffer == null ? null : List.copyOf(outputBuffer); // null refused by validate()
    }

    /** Checks the record as untrusted input; throws {@link DeviceStateException} naming the field. */
    void validate() {
        checkByte("ctr", ctr);
        checkByte("outputPort", outputPort);
        if ((outputPort & OUTPUT_PORT_RESET) == 0) {
            throw new DeviceStateException(DEVICE, String.format(
                    "outputPort 0x%02x holds the reset line (bit 0) low; it is only ever pulsed", outputPort));
        }
        switch (pendingCommand) {
            case NO_COMMAND, I8042_CMD_CTL_WCTR, I8042_CMD_WRITE_OUTPUT_PORT, I8042_CMD_KBD_LOOP,
                 I8042_CMD_AUX_LOOP, I8042_CMD_AUX_SEND -> { }
            default -> throw new DeviceStateException(DEVICE, String.format(
                    "pendingCommand 0x%x is not a command that waits for a parameter", pendingCommand));
        }
        checkByte("lastData", lastData);
        if (outputBuffer == null) {
            throw new DeviceStateException(DEVICE, "outputBuffer is missing");
        }
        if (outputBuffer.size() > OUTPUT_BUFFER_SIZE) {
            throw new DeviceStateException(DEVICE, "outputBuffer holds " + outputBuffer.size()
                    + " bytes, more than " + OUTPUT_BUFFER_SIZE);
        }
        for (int i = 0; i < outputBuffer.size(); i++) {
            checkByte("outputBuffer[" + i + "]", outputBuffer.get(i).value());
        }
        if (keyboard == null) {
            throw new DeviceStateException(DEVICE, "keyboard is missing");
        }
        keyboard.validate();
    }

    private static void checkByte(String field, int value) {
        if (value < 0 || value > 0xff) {
            throw new DeviceStateException(DEVICE, field + " " + value + " is not a byte (0-255)");
        }
    }
}
