package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.legacy.I8042.*;
import static org.junit.jupiter.api.Assertions.*;

/** I8042.state() / I8042.restore(): the command byte, pending command and output buffer survive. */
class I8042StateTest {
    final AtomicInteger resets = new AtomicInteger();
    final I8042 kbc = new I8042(resets::incrementAndGet);

    static void command(I8042 d, int cmd) {
        d.write(I8042_COMMAND_REG, new byte[] {(byte) cmd});
    }

    static void data(I8042 d, int value) {
        d.write(I8042_DATA_REG, new byte[] {(byte) value});
    }

    static int read(I8042 d, int port) {
        byte[] b = new byte[1];
        d.read(port, b);
        return b[0] & 0xff;
    }

    @Test
    void roundTripKeepsCommandBytePendingCommandAndReplies() {
        command(kbc, I8042_CMD_CTL_WCTR);
        data(kbc, 0x47);
        command(kbc, I8042_CMD_KBD_DISABLE);
        command(kbc, I8042_CMD_CTL_TEST);        // reply 0x55
        command(kbc, I8042_CMD_KBD_LOOP);
        data(kbc, 0xab);                         // reply 0xab from the keyboard side
        command(kbc, I8042_CMD_AUX_LOOP);
        data(kbc, 0x12);                         // reply 0x12 from the aux side
        command(kbc, I8042_CMD_WRITE_OUTPUT_PORT); // waits for its parameter

        I8042State state = kbc.state();
        assertEquals(0x47 | I8042_CTR_KBDDIS, state.ctr());
        assertEquals(I8042_CMD_WRITE_OUTPUT_PORT, state.pendingCommand());
        assertEquals(List.of(new I8042State.Reply(0x55, false), new I8042State.Reply(0xab, false),
                new I8042State.Reply(0x12, true)), state.outputBuffer());

        AtomicInteger resets2 = new AtomicInteger();
        I8042 restored = I8042.restore(state, resets2::incrementAndGet);
        assertEquals(state, restored.state());
        assertEquals(kbc.state(), restored.state());

        int status = read(restored, I8042_STATUS_REG);
        assertEquals(I8042_STR_OBF | I8042_STR_CMDDAT, status & (I8042_STR_OBF | I8042_STR_CMDDAT | I8042_STR_AUXDATA));
        assertEquals(0x55, read(restored, I8042_DATA_REG));
        assertEquals(0xab, read(restored, I8042_DATA_REG));
        assertEquals(I8042_STR_AUXDATA, read(restored, I8042_STATUS_REG) & I8042_STR_AUXDATA);
        assertEquals(0x12, read(restored, I8042_DATA_REG));
        assertEquals(0, read(restored, I8042_STATUS_REG) & I8042_STR_OBF);
        data(restored, 0x00); // the pending write-output-port gets its parameter: reset line low
        assertEquals(1, resets2.get());
        assertEquals(0, resets.get());
        command(restored, I8042_CMD_CTL_RCTR);
        assertEquals(0x47 | I8042_CTR_KBDDIS, read(restored, I8042_DATA_REG));
    }

    @Test
    void randomTrafficRoundTrips() {
        Random random = new Random(7);
        int[] commands = {I8042_CMD_CTL_RCTR, I8042_CMD_CTL_WCTR, I8042_CMD_CTL_TEST, I8042_CMD_KBD_TEST,
            I8042_CMD_KBD_DISABLE, I8042_CMD_KBD_ENABLE, I8042_CMD_AUX_DISABLE, I8042_CMD_AUX_ENABLE,
            I8042_CMD_AUX_TEST, I8042_CMD_READ_OUTPUT_PORT, I8042_CMD_WRITE_OUTPUT_PORT, I8042_CMD_KBD_LOOP,
            I8042_CMD_AUX_LOOP, I8042_CMD_AUX_SEND, 0x00, 0xc0};
        for (int run = 0; run < 200; run++) {
            I8042 d = new I8042(() -> { });
            for (int op = 0; op < 40; op++) {
                switch (random.nextInt(3)) {
                    case 0 -> command(d, commands[random.nextInt(commands.length)]);
                    case 1 -> data(d, random.nextInt(256));
                    default -> read(d, random.nextBoolean() ? I8042_DATA_REG : I8042_STATUS_REG);
                }
            }
            I8042State state = d.state();
            assertEquals(state, I8042.restore(state, () -> { }).state(), "run " + run);
        }
    }

    /** Any change to a valid record is refused with a DeviceStateException or restored exactly as given. */
    @Test
    void randomlyTamperedRecordsAreRefusedOrRestoredExactly() {
        command(kbc, I8042_CMD_CTL_TEST);
        command(kbc, I8042_CMD_KBD_LOOP);
        I8042State ok = kbc.state();
        Random random = new Random(11);
        String[] ints = {"ctr", "outputPort", "pendingCommand", "lastData"};
        int[] interesting = {-1, 0, 1, 2, 3, 0x20, 0x60, 0xaa, 0xd1, 0xd2, 0xd3, 0xd4, 0xfe, 0xff, 0x100};
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            I8042State bad;
            if (random.nextInt(4) == 0) {
                List<I8042State.Reply> replies = new ArrayList<>();
                int n = random.nextInt(20);
                for (int j = 0; j < n; j++) {
                    replies.add(new I8042State.Reply(interesting[random.nextInt(interesting.length)], random.nextBoolean()));
                }
                bad = with(ok, "outputBuffer", replies);
            } else {
                bad = with(ok, ints[random.nextInt(ints.length)],
                        random.nextBoolean() ? random.nextInt() : interesting[random.nextInt(interesting.length)]);
            }
            try {
                assertEquals(bad, I8042.restore(bad, () -> { }).state());
            } catch (DeviceStateException e) {
                refused++;
            }
        }
        assertTrue(refused > 100 && refused < 1000, "refused " + refused);
    }

    private static void assertRefused(I8042State bad, String message) {
        DeviceStateException e = assertThrows(DeviceStateException.class, () -> I8042.restore(bad, () -> { }));
        assertEquals(message, e.getMessage());
    }

    @Test
    void tamperedRecordsAreRefusedNamingTheField() {
        command(kbc, I8042_CMD_CTL_TEST);
        I8042State ok = kbc.state();
        assertRefused(with(ok, "ctr", 0x100), "i8042: ctr 256 is not a byte (0-255)");
        assertRefused(with(ok, "outputPort", OUTPUT_PORT_A20),
                "i8042: outputPort 0x02 holds the reset line (bit 0) low; it is only ever pulsed");
        assertRefused(with(ok, "pendingCommand", I8042_CMD_CTL_TEST),
                "i8042: pendingCommand 0xaa is not a command that waits for a parameter");
        assertRefused(with(ok, "pendingCommand", -2),
                "i8042: pendingCommand 0xfffffffe is not a command that waits for a parameter");
        assertRefused(with(ok, "lastData", -1), "i8042: lastData -1 is not a byte (0-255)");
        assertRefused(with(ok, "outputBuffer", Collections.nCopies(17, new I8042State.Reply(0, false))),
                "i8042: outputBuffer holds 17 bytes, more than 16");
        List<I8042State.Reply> badByte = new ArrayList<>(ok.outputBuffer());
        badByte.add(new I8042State.Reply(0x1fa, true));
        assertRefused(with(ok, "outputBuffer", badByte), "i8042: outputBuffer[1] 506 is not a byte (0-255)");
        assertRefused(with(ok, "outputBuffer", null), "i8042: outputBuffer is missing");
    }
}
