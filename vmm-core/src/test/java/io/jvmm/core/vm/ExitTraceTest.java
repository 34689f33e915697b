package io.jvmm.core.vm;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.bus.BusDevice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The words --trace-exits prints: formatting of one exit, and the summary's grouping. */
class ExitTraceTest {
    /** A device that names its registers like the UART: offset 0 is THR on write, 5 is LSR. */
    private static final BusDevice UART = new BusDevice() {
        public void read(long offset, byte[] data) {
            data[0] = 0x60;
        }

        public void write(long offset, byte[] data) {
        }

        @Override
        public Register describe(long offset, boolean write, byte[] data) {
            return switch ((int) offset) {
                case 0 -> new Register(write ? "THR" : "RBR", write ? "transmit" : "receive");
                case 5 -> new Register("LSR", "line status");
                default -> null;
            };
        }
    };

    @Test
    void aWriteNamesTheValueTheDeviceAndTheRegister() {
        assertEquals("vcpu-0 out 0x3f8 ← 0x4c 'L' → serial THR (transmit)", ExitTrace.line(0, ExitTrace.Access.OUT, 0x3f8,
                new byte[]{'L'}, "serial", new BusDevice.Register("THR", "transmit")));
        assertEquals("vcpu-1 mmio write 0xc0001050 ← 0x0 → virtio-blk0 QueueNotify (queue 0)",
                ExitTrace.line(1, ExitTrace.Access.MMIO_WRITE, 0xc0001050L, new byte[4], "virtio-blk0",
                        new BusDevice.Register("QueueNotify", "queue 0")));
    }

    @Test
    void aReadShowsWhatTheGuestGotAndUnclaimedAccessesSaySo() {
        assertEquals("vcpu-0 in 0x3fd = 0x60 '`' → serial LSR", ExitTrace.line(0, ExitTrace.Access.IN, 0x3fd,
                new byte[]{0x60}, "serial", new BusDevice.Register("LSR", "")));
        assertEquals("vcpu-0 in 0x80 = 0xffffffff → no device (reads as all ones)", ExitTrace.line(0, ExitTrace.Access.IN, 0x80,
                new byte[]{-1, -1, -1, -1}, null, null));
        assertEquals("vcpu-0 out 0x80 ← 0x0 → no device (ignored)", ExitTrace.line(0, ExitTrace.Access.OUT, 0x80,
                new byte[1], null, null));
        assertEquals("vcpu-0 mmio read 0xc0000000 = 0x0 → boot-timer", ExitTrace.line(0, ExitTrace.Access.MMIO_READ, 0xc0000000L,
                new byte[1], "boot-timer", null));
        assertEquals("vcpu-2 hlt → vCPU 2 done (HLT with no in-kernel irqchip: nothing will wake it)", ExitTrace.haltLine(2));
    }

    @Test
    void valuesArePrintableCharactersEscapesOrLittleEndianHex() {
        assertEquals("0x68 'h'", ExitTrace.value(new byte[]{'h'}));
        assertEquals("0xa '\\n'", ExitTrace.value(new byte[]{'\n'}));
        assertEquals("0x1b", ExitTrace.value(new byte[]{0x1b}));
        assertEquals("0x74726976", ExitTrace.value(new byte[]{0x76, 0x69, 0x72, 0x74})); // "virt", little-endian
        assertEquals("0x4142", ExitTrace.value(new byte[]{0x42, 0x41}));                 // two bytes: a number, not text
    }

    @Test
    void theDispatcherAsksTheDeviceWhatTheAccessMeant() {
        Bus pio = new Bus("pio");
        pio.insert("serial", 0x3f8, 8, UART);
        List<String> lines = new ArrayList<>();
        ExitTrace trace = ExitTrace.lines(lines::add);
        trace.access(0, ExitTrace.Access.OUT, 0x3f8, new byte[]{'L'}, pio.find(0x3f8), 0);
        trace.access(0, ExitTrace.Access.IN, 0x3fd, new byte[]{0x60}, pio.find(0x3fd), 0);
        trace.access(0, ExitTrace.Access.IN, 0x3fa, new byte[]{0x1}, pio.find(0x3fa), 0);
        assertEquals(List.of("vcpu-0 out 0x3f8 ← 0x4c 'L' → serial THR (transmit)",
                "vcpu-0 in 0x3fd = 0x60 '`' → serial LSR (line status)",
                "vcpu-0 in 0x3fa = 0x1 → serial"), lines);
    }

    @Test
    void theSummaryGroupsByDeviceAndRegisterMostFrequentFirst() {
        Bus pio = new Bus("pio");
        pio.insert("serial", 0x3f8, 8, UART);
        ExitTrace trace = ExitTrace.summary();
        assertTrue(trace.isSummary());
        for (int i = 0; i < 3; i++) {
            trace.access(0, ExitTrace.Access.OUT, 0x3f8, new byte[]{'x'}, pio.find(0x3f8), 2_000);
        }
        trace.access(0, ExitTrace.Access.IN, 0x3fd, new byte[]{0x60}, pio.find(0x3fd), 4_000);
        trace.access(0, ExitTrace.Access.IN, 0x3fa, new byte[]{0x1}, pio.find(0x3fa), 1_000);
        trace.access(0, ExitTrace.Access.OUT, 0x80, new byte[1], null, 1_000);
        trace.halt(0);
        String report = trace.summaryReport();
        String[] rows = report.split("\n");
        assertEquals("exit trace summary: 7 exits, 0.012 ms handling them in jvmm", rows[0]);
        assertEquals(List.of("3 0.006 2.00 serial out THR", "1 0.001 1.00 (no device) out 0x80", "1 0.001 1.00 serial in +0x2",
                        "1 0.004 4.00 serial in LSR", "1 0.000 0.00 vCPU 0 hlt (vCPU done)"),
                List.of(rows).subList(2, rows.length).stream().map(r -> r.trim().replaceAll(" +", " ")).toList());
    }
}
