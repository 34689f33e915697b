package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.RecordEdit.with;
import static io.jvmm.devices.legacy.I8042.*;
import static io.jvmm.devices.legacy.Ps2Keyboard.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The keyboard behind the i8042, driven as Linux drives it: drivers/input/serio/i8042.c sets the command
 * byte up, then drivers/input/keyboard/atkbd.c (through libps2) sends commands and reads each byte of
 * the answer in the IRQ 1 handler. Also the Ctrl+Alt+Del the VMM types, and IRQ 12 for the aux loop test.
 */
class Ps2KeyboardTest {
    final AtomicInteger irq1 = new AtomicInteger();
    final AtomicInteger irq12 = new AtomicInteger();
    final AtomicInteger resets = new AtomicInteger();
    final I8042 kbc = new I8042(resets::incrementAndGet, irq1::incrementAndGet, irq12::incrementAndGet);

    void out(int port, int value) {
        kbc.write(port, new byte[] {(byte) value});
    }

    int in(int port) {
        byte[] b = new byte[1];
        kbc.read(port, b);
        return b[0] & 0xff;
    }

    /** i8042_controller_init() + i8042_enable_kbd_port(): the command byte Linux leaves behind. */
    void linuxSetsUpController(boolean translate) {
        int ctr = I8042_CTR_KBDINT | I8042_CTR_SYSFLAG | (translate ? I8042_CTR_XLATE : 0);
        out(I8042_COMMAND_REG, I8042_CMD_CTL_WCTR);
        out(I8042_DATA_REG, ctr);
    }

    /**
     * What i8042_interrupt() sees for one command byte sent to the keyboard: every byte of the answer
     * comes with its own IRQ 1, and OBF is clear when they are all read.
     */
    List<Integer> send(int value) {
        int before = irq1.get();
        out(I8042_DATA_REG, value);
        List<Integer> got = drainKeyboard();
        assertEquals(got.size(), irq1.get() - before, "one IRQ 1 per byte");
        return got;
    }

    List<Integer> drainKeyboard() {
        List<Integer> got = new ArrayList<>();
        while ((in(I8042_STATUS_REG) & I8042_STR_OBF) != 0 && got.size() < 64) {
            assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_AUXDATA, "keyboard bytes are not aux data");
            got.add(in(I8042_DATA_REG));
        }
        return got;
    }

    @Test
    void atkbdProbeThroughTranslatingController() {
        linuxSetsUpController(true);
        // atkbd_probe(): GETID answers an MF2 keyboard, the second byte as the controller translates it.
        assertEquals(List.of(ATKBD_RET_ACK, KEYBOARD_ID_0, KEYBOARD_ID_1_TRANSLATED), send(ATKBD_CMD_GETID));
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_RESET_DIS)); // atkbd_deactivate()
        // atkbd_reset_state(): SETLEDS 0 and SETREP 0, each byte acknowledged.
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_SETLEDS));
        assertEquals(List.of(ATKBD_RET_ACK), send(0x00));
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_SETREP));
        assertEquals(List.of(ATKBD_RET_ACK), send(0x00));
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_ENABLE)); // atkbd_activate()
        // The VT's LED state, later, through atkbd_set_leds().
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_SETLEDS));
        assertEquals(List.of(ATKBD_RET_ACK), send(0x02));
        I8042State.Keyboard k = kbc.state().keyboard();
        assertTrue(k.scanning());
        assertEquals(2, k.leds());
        assertEquals(0, k.typematic());
        assertEquals(0, resets.get());
        assertEquals(0, irq12.get());
    }

    @Test
    void commandsWithoutTranslation() {
        linuxSetsUpController(false); // i8042.direct, or a controller without XLATE as Firecracker's
        assertEquals(List.of(ATKBD_RET_ACK, KEYBOARD_ID_0, KEYBOARD_ID_1), send(ATKBD_CMD_GETID));
        // ATKBD_CMD_GSCANSET (0xf0 0x00) reads the set; 1 and 2 can be selected, 3 is refused.
        assertEquals(List.of(ATKBD_RET_ACK), send(ATKBD_CMD_SCANSET));
        assertEquals(List.of(ATKBD_RET_ACK, 2), send(0x00));
        send(ATKBD_CMD_SCANSET);
        assertEquals(List.of(ATKBD_RET_ACK), send(1));
        send(ATKBD_CMD_SCANSET);
        assertEquals(List.of(ATKBD_RET_ACK, 1), send(0x00));
        send(ATKBD_CMD_SCANSET);
        assertEquals(List.of(ATKBD_RET_NAK), send(3));
        assertEquals(1, kbc.state().keyboard().scanSet(), "a refused set changes nothing");
        // ECHO answers itself; an unknown command (ATKBD_CMD_OK_GETID, 0xe8) is refused; RESEND repeats.
        assertEquals(List.of(ATKBD_RET_ECHO), send(ATKBD_CMD_ECHO));
        assertEquals(List.of(ATKBD_RET_NAK), send(0xe8));
        assertEquals(List.of(ATKBD_RET_NAK), send(ATKBD_CMD_RESEND));
        // RESET_BAT: ACK, then the self-test result; the defaults come back (set 2, scanning on, LEDs off).
        send(ATKBD_CMD_SETLEDS);
        send(0x07);
        assertEquals(List.of(ATKBD_RET_ACK, ATKBD_RET_BAT), send(ATKBD_CMD_RESET_BAT));
        I8042State.Keyboard k = kbc.state().keyboard();
        assertEquals(2, k.scanSet());
        assertEquals(0, k.leds());
        assertEquals(TYPEMATIC_DEFAULT, k.typematic());
        assertTrue(k.scanning());
    }

    @Test
    void ctrlAltDelTranslatedIsSetOneWithOneInterruptPerByte() {
        linuxSetsUpController(true);
        int before = irq1.get();
        assertNull(kbc.sendCtrlAltDel());
        // Ctrl, Alt, Delete (e0 53) pressed; Delete, Alt, Ctrl released (bit 7 set).
        assertEquals(List.of(0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d), drainKeyboard());
        assertEquals(8, irq1.get() - before);
    }

    @Test
    void ctrlAltDelUntranslatedIsSetTwo() {
        linuxSetsUpController(false);
        assertNull(kbc.sendCtrlAltDel());
        assertEquals(List.of(0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11, 0xf0, 0x14), drainKeyboard());
        send(ATKBD_CMD_SCANSET);
        send(1);
        assertNull(kbc.sendCtrlAltDel());
        assertEquals(List.of(0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d), drainKeyboard());
    }

    @Test
    void keysWaitWhileTheKeyboardInterfaceIsDisabled() {
        linuxSetsUpController(true);
        out(I8042_COMMAND_REG, I8042_CMD_KBD_DISABLE);
        assertNull(kbc.sendCtrlAltDel());
        assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_OBF);
        assertEquals(0, irq1.get());
        out(I8042_COMMAND_REG, I8042_CMD_KBD_ENABLE);
        assertEquals(1, irq1.get());
        assertEquals(0x1d, in(I8042_DATA_REG));
    }

    @Test
    void noInterruptWithoutKbdint() {
        out(I8042_COMMAND_REG, I8042_CMD_CTL_WCTR);
        out(I8042_DATA_REG, I8042_CTR_SYSFLAG | I8042_CTR_XLATE); // polled, as Linux's early probe runs
        out(I8042_DATA_REG, ATKBD_CMD_ECHO);
        assertEquals(I8042_STR_OBF, in(I8042_STATUS_REG) & I8042_STR_OBF);
        assertEquals(ATKBD_RET_ECHO, in(I8042_DATA_REG));
        assertEquals(0, irq1.get());
    }

    @Test
    void ctrlAltDelRefusedWhenDisabledOrUnread() {
        linuxSetsUpController(true);
        send(ATKBD_CMD_RESET_DIS);
        assertEquals("the guest has disabled the keyboard (ATKBD_CMD_RESET_DIS) and not enabled it again",
                kbc.sendCtrlAltDel());
        assertEquals(0, in(I8042_STATUS_REG) & I8042_STR_OBF);
        send(ATKBD_CMD_ENABLE);
        // A guest that never reads: the first byte waits in the controller, 7 + 8 fit the keyboard's FIFO.
        assertNull(kbc.sendCtrlAltDel());
        assertNull(kbc.sendCtrlAltDel());
        assertEquals("the keyboard's buffer is full: the guest has not read the keys sent before", kbc.sendCtrlAltDel());
        assertEquals(16, drainKeyboard().size());
    }

    @Test
    void auxLoopRaisesIrq12WhenEnabled() {
        // i8042_check_aux(): AUX_LOOP with AUXINT clear is polled, no interrupt.
        out(I8042_COMMAND_REG, I8042_CMD_AUX_LOOP);
        out(I8042_DATA_REG, 0x5a);
        assertEquals(I8042_STR_OBF | I8042_STR_AUXDATA, in(I8042_STATUS_REG) & (I8042_STR_OBF | I8042_STR_AUXDATA));
        assertEquals(0x5a, in(I8042_DATA_REG));
        assertEquals(0, irq12.get());
        // i8042_enable_aux_port(), then the IRQ delivery test: the reply comes with IRQ 12.
        out(I8042_COMMAND_REG, I8042_CMD_CTL_WCTR);
        out(I8042_DATA_REG, I8042_CTR_SYSFLAG | I8042_CTR_XLATE | I8042_CTR_AUXINT);
        out(I8042_COMMAND_REG, I8042_CMD_AUX_LOOP);
        out(I8042_DATA_REG, 0xa5);
        assertEquals(1, irq12.get());
        assertEquals(0, irq1.get());
        assertEquals(0xa5, in(I8042_DATA_REG));
        // Two queued aux replies: the second gets its edge when it reaches the head.
        out(I8042_COMMAND_REG, I8042_CMD_AUX_LOOP);
        out(I8042_DATA_REG, 0x01);
        out(I8042_COMMAND_REG, I8042_CMD_AUX_LOOP);
        out(I8042_DATA_REG, 0x02);
        assertEquals(2, irq12.get());
        assertEquals(0x01, in(I8042_DATA_REG));
        assertEquals(3, irq12.get());
        assertEquals(0x02, in(I8042_DATA_REG));
        assertEquals(3, irq12.get());
    }

    @Test
    void keyboardStateRoundTripsMidCommand() {
        linuxSetsUpController(true);
        send(ATKBD_CMD_SCANSET);
        send(1);
        out(I8042_DATA_REG, ATKBD_CMD_SETLEDS); // ACK read below; the LED byte not sent yet
        assertEquals(ATKBD_RET_ACK, in(I8042_DATA_REG));
        out(I8042_COMMAND_REG, I8042_CMD_KBD_DISABLE);
        assertNull(kbc.sendCtrlAltDel());       // waits in the keyboard's FIFO
        I8042State state = kbc.state();
        assertEquals(ATKBD_CMD_SETLEDS, state.keyboard().pendingCommand());
        assertEquals(8, state.keyboard().fifo().size());

        AtomicInteger irq = new AtomicInteger();
        I8042 restored = I8042.restore(state, () -> { }, irq::incrementAndGet, () -> { });
        assertEquals(state, restored.state());
        restored.write(I8042_COMMAND_REG, new byte[] {(byte) I8042_CMD_KBD_ENABLE});
        assertEquals(1, irq.get());
        byte[] b = new byte[1];
        restored.read(I8042_DATA_REG, b);
        assertEquals(0x1d, b[0] & 0xff);
    }

    @Test
    void tamperedKeyboardRecordsAreRefusedNamingTheField() {
        I8042State ok = kbc.state();
        I8042State.Keyboard k = ok.keyboard();
        assertRefused(with(ok, "keyboard", with(k, "scanSet", 3)), "i8042: keyboard.scanSet 3 is not 1 or 2");
        assertRefused(with(ok, "keyboard", with(k, "leds", 8)), "i8042: keyboard.leds 8 is not 0-7");
        assertRefused(with(ok, "keyboard", with(k, "typematic", 0x80)), "i8042: keyboard.typematic 128 is not 0-127");
        assertRefused(with(ok, "keyboard", with(k, "pendingCommand", ATKBD_CMD_GETID)),
                "i8042: keyboard.pendingCommand 0xf2 is not a command that waits for a parameter");
        assertRefused(with(ok, "keyboard", with(k, "lastSent", 256)), "i8042: keyboard.lastSent 256 is not a byte (0-255)");
        assertRefused(with(ok, "keyboard", with(k, "fifo", null)), "i8042: keyboard.fifo is missing");
        assertRefused(with(ok, "keyboard", with(k, "fifo", List.of(1, -1))),
                "i8042: keyboard.fifo[1] -1 is not a byte (0-255)");
        assertRefused(with(ok, "keyboard", with(k, "fifo", java.util.Collections.nCopies(17, 0))),
                "i8042: keyboard.fifo holds 17 bytes, more than 16");
        assertRefused(with(ok, "keyboard", null), "i8042: keyboard is missing");
    }

    private static void assertRefused(I8042State bad, String message) {
        DeviceStateException e = assertThrows(DeviceStateException.class, () -> I8042.restore(bad, () -> { }));
        assertEquals(message, e.getMessage());
    }
}
