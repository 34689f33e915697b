package io.jvmm.devices.legacy;

import io.jvmm.core.bus.BusDevice.Register;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.devices.virtio.VirtioMmio;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What the devices tell an exit trace about their registers ({@code jvmm run --trace-exits}). */
class RegisterNamesTest {
    @Test
    void theUartNamesItsRegistersAsTheDataSheetDoesAndFollowsDlab() {
        Serial uart = new Serial(InterruptLine.NONE, new ByteArrayOutputStream());
        assertEquals(new Register("THR", "transmit"), uart.describe(0, true, new byte[]{'L'}));
        assertEquals(new Register("RBR", "receive"), uart.describe(0, false, new byte[]{'x'}));
        assertEquals(new Register("LSR", "line status: DR THRE TEMT"), uart.describe(5, false, new byte[]{0x61}));
        assertEquals(new Register("IIR", "no interrupt pending"), uart.describe(2, false, new byte[]{(byte) 0xc1}));
        assertEquals(new Register("IIR", "interrupt: received data"), uart.describe(2, false, new byte[]{(byte) 0xc4}));
        assertEquals(new Register("FCR", "FIFO control"), uart.describe(2, true, new byte[]{(byte) 0xc7}));
        assertEquals(new Register("IER", "interrupt enable: RDI THRI"), uart.describe(1, true, new byte[]{3}));
        assertEquals(new Register("MCR", "modem control: DTR RTS OUT2"), uart.describe(4, true, new byte[]{0x0b}));
        uart.write(3, new byte[]{(byte) 0x80}); // LCR.DLAB: offsets 0 and 1 are now the divisor latch
        assertEquals(new Register("DLL", "divisor latch low: baud rate"), uart.describe(0, true, new byte[]{1}));
        assertEquals(new Register("LCR", "line control: DLAB on"), uart.describe(3, true, new byte[]{(byte) 0x80}));
        assertNull(uart.describe(8, true, new byte[1]));
    }

    @Test
    void theI8042NamesTheResetPulse() {
        I8042 kbc = new I8042(() -> { });
        assertEquals(new Register("COMMAND", "pulse the CPU reset line: the guest reboots"), kbc.describe(4, true, new byte[]{(byte) 0xfe}));
        assertEquals(new Register("STATUS", "status"), kbc.describe(4, false, new byte[]{0x14}));
    }

    @Test
    void theBootTimerSaysWhenTheGuestHasBooted() {
        BootTimer timer = new BootTimer(0, 0, () -> 0);
        assertEquals(new Register("boot-timer", "the guest has booted (123)"), timer.describe(0, true, new byte[]{123}));
        assertEquals(new Register("boot-timer", "ignored"), timer.describe(0, true, new byte[]{1}));
    }

    @Test
    void virtioMmioRegistersHaveTheirSpecNames() {
        assertEquals(new Register("QueueNotify", "queue 0: the driver made buffers available"), VirtioMmio.describe(0x50, true, new byte[4]));
        assertEquals(new Register("Status", "ACKNOWLEDGE DRIVER FEATURES_OK DRIVER_OK"), VirtioMmio.describe(0x70, true, new byte[]{0x0f, 0, 0, 0}));
        assertEquals(new Register("Status", "0: reset"), VirtioMmio.describe(0x70, true, new byte[4]));
        assertEquals(new Register("InterruptACK", "used buffers"), VirtioMmio.describe(0x64, true, new byte[]{1, 0, 0, 0}));
        assertEquals(new Register("MagicValue", "\"virt\""), VirtioMmio.describe(0, false, new byte[]{0x76, 0x69, 0x72, 0x74}));
        assertEquals(new Register("Config", "device-specific configuration +0x8"), VirtioMmio.describe(0x108, false, new byte[4]));
        assertNull(VirtioMmio.describe(0x3c, false, new byte[4]));
    }
}
