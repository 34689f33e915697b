package io.jvmm.devices.legacy;

import static io.jvmm.devices.legacy.I8042.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Plays arch/x86/kernel/reboot.c (BOOT_KBD) and the polled parts of drivers/input/serio/i8042.c. */
class I8042Test {
    final AtomicInteger resets = new AtomicInteger();
    final I8042 i8042 = new I8042(resets::incrementAndGet);

    void out(int port, int value) {
        i8042.write(port, new byte[] {(byte) value});
    }

    int in(int port) {
        byte[] b = new byte[1];
        i8042.read(port, b);
        return b[0] & 0xff;
    }

    /** i8042_command(): write the command, its parameter, then poll OBF for the reply. */
    int command(int cmd, int param, boolean hasParam) {
        assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_IBF);
        out(I8042_COMMAND_REG, cmd);
        if (hasParam) {
            assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_IBF);
            out(I8042_DATA_REG, param);
        }
        int str = in(I8042_STATUS_REG);
        if ((str & I8042_STR_OBF) == 0) {
            return -1;
        }
        return in(I8042_DATA_REG);
    }

    @Test
    void rebootKPulsesResetAfterKbWait() {
        // kb_wait(): bounded loop until the input buffer is empty.
        int polls = 0;
        while ((in(I8042_STATUS_REG) & I8042_STR_IBF) != 0 && polls < 0x10000) {
            polls++;
        }
        assertEquals(0, polls);
        out(I8042_COMMAND_REG, I8042_CMD_PULSE_RESET);
        assertEquals(1, resets.get());
        out(I8042_COMMAND_REG, I8042_CMD_PULSE_RESET); // Linux retries; the callback is idempotent
        assertEquals(2, resets.get());
    }

    @Test
    void onlyCommandsThatPulseLineZeroReset() {
        out(I8042_COMMAND_REG, 0xff);          // pulse nothing
        out(I8042_COMMAND_REG, 0xfd);          // pulse line 1 only
        out(I8042_DATA_REG, I8042_CMD_PULSE_RESET); // 0xfe to the data port is a keyboard byte
        out(1, I8042_CMD_PULSE_RESET);         // port 0x61 is not ours
        i8042.write(I8042_COMMAND_REG, new byte[] {(byte) 0xfe, 0}); // wide: 0x64 then 0x65 (not ours)
        assertEquals(1, resets.get(), "only the byte that reached 0x64 resets");
        out(I8042_COMMAND_REG, 0xf0);          // pulse all lines, including reset
        assertEquals(2, resets.get());
        command(I8042_CMD_WRITE_OUTPUT_PORT, OUTPUT_PORT_A20, true); // reset line driven low
        assertEquals(3, resets.get());
        command(I8042_CMD_WRITE_OUTPUT_PORT, OUTPUT_PORT_A20 | OUTPUT_PORT_RESET, true);
        assertEquals(3, resets.get());
    }

    @Test
    void controllerProbeAsLinuxDoesIt() {
        // i8042_controller_check(): status is not 0xff and the flush ends.
        assertTrue(in(I8042_STATUS_REG) != 0xff);
        int flushed = 0;
        while ((in(I8042_STATUS_REG) & I8042_STR_OBF) != 0 && flushed < 32) {
            in(I8042_DATA_REG);
            flushed++;
        }
        assertEquals(0, flushed);
        // i8042_controller_selftest()
        assertEquals(I8042_RET_CTL_TEST, command(I8042_CMD_CTL_TEST, 0, false));
        // i8042_controller_init(): read and write the CTR; the keylock is not active.
        int ctr = command(I8042_CMD_CTL_RCTR, 0, false);
        assertEquals(I8042_CTR_KBDINT | I8042_CTR_SYSFLAG | I8042_CTR_XLATE, ctr);
        assertEquals(I8042_STR_KEYLOCK, in(I8042_STATUS_REG) & I8042_STR_KEYLOCK);
        int newCtr = (ctr & ~(I8042_CTR_KBDINT | I8042_CTR_AUXINT)) | I8042_CTR_KBDDIS;
        assertEquals(-1, command(I8042_CMD_CTL_WCTR, newCtr, true));
        assertEquals(newCtr, command(I8042_CMD_CTL_RCTR, 0, false));
        assertEquals(0x00, command(I8042_CMD_KBD_TEST, 0, false));
        // i8042_check_aux(): AUX_LOOP echoes with AUXDATA, AUX disable/enable shows in the CTR.
        out(I8042_COMMAND_REG, I8042_CMD_AUX_LOOP);
        assertEquals(I8042_STR_CMDDAT, in(I8042_STATUS_REG) & I8042_STR_CMDDAT, "last write went to 0x64");
        out(I8042_DATA_REG, 0x5a);
        int str = in(I8042_STATUS_REG);
        assertEquals(I8042_STR_OBF | I8042_STR_AUXDATA, str & (I8042_STR_OBF | I8042_STR_AUXDATA));
        assertEquals(0x5a, in(I8042_DATA_REG));
        assertEquals(0, in(I8042_STATUS_REG) & (I8042_STR_OBF | I8042_STR_AUXDATA));
        command(I8042_CMD_AUX_DISABLE, 0, false);
        assertEquals(I8042_CTR_AUXDIS, command(I8042_CMD_CTL_RCTR, 0, false) & I8042_CTR_AUXDIS);
        command(I8042_CMD_AUX_ENABLE, 0, false);
        assertEquals(0, command(I8042_CMD_CTL_RCTR, 0, false) & I8042_CTR_AUXDIS);
        assertEquals(0x33, command(I8042_CMD_KBD_LOOP, 0x33, true));
        // With the keyboard interface disabled (KBDDIS, as i8042_controller_init() leaves it), the keyboard's
        // answer waits in the keyboard; once enabled it arrives.
        out(I8042_DATA_REG, 0xf2);
        assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_OBF);
        out(I8042_COMMAND_REG, I8042_CMD_KBD_ENABLE);
        assertEquals(Ps2Keyboard.ATKBD_RET_ACK, in(I8042_DATA_REG));
        assertEquals(Ps2Keyboard.KEYBOARD_ID_0, in(I8042_DATA_REG));
        assertEquals(Ps2Keyboard.KEYBOARD_ID_1_TRANSLATED, in(I8042_DATA_REG)); // the CTR has XLATE
        assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_OBF);
        // Bytes for the aux port get no answer: no mouse is attached.
        assertEquals(-1, command(I8042_CMD_AUX_SEND, 0xf2, true));
        assertEquals(0, resets.get());
    }

    @Test
    void badAccessesNeverThrow() {
        byte[] wide = new byte[8];
        i8042.read(0, wide);
        assertEquals((byte) 0xff, wide[1]);
        assertEquals((byte) 0xff, wide[5]);
        i8042.read(-5, new byte[3]);
        i8042.read(Long.MAX_VALUE, new byte[2]);
        i8042.write(0, new byte[0]);
        Random random = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            byte[] data = new byte[random.nextInt(9)];
            random.nextBytes(data);
            long offset = random.nextInt(10) - 2;
            if (random.nextBoolean()) {
                i8042.write(offset, data);
            } else {
                i8042.read(offset, data);
            }
        }
        // Replies never pile up beyond the small output buffer.
        int drained = 0;
        while ((in(I8042_STATUS_REG) & I8042_STR_OBF) != 0 && drained < 100) {
            in(I8042_DATA_REG);
            drained++;
        }
        assertTrue(drained <= OUTPUT_BUFFER_SIZE + Ps2Keyboard.FIFO_SIZE, "drained " + drained);
    }
}
