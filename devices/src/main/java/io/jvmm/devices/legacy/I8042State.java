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
 */
public record I8042State(int ctr, int outputPort, int pendingCommand, boolean lastWriteWasCommand, int lastData,
                         List<Reply> outputBuffer) {

    /** One byte of the output buffer and the side it came from (I8042_STR_AUXDATA when {@code fromAux}). */
    public record Reply(int value, boolean fromAux) {
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
    }

    private static void checkByte(String field, int value) {
        if (value < 0 || value > 0xff) {
            throw new DeviceStateException(DEVICE, field + " " + value + " is not a byte (0-255)");
        }
    }
}
