package io.jvmm.core.vm;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dispatcher is a plain function: fed synthetic exits, checked by what devices saw and what it decided. */
class ExitDispatcherTest {
    private final Arena arena = Arena.ofConfined();
    private final GuestMemory memory = GuestMemory.of(new GuestRegion(GuestAddress.of(0), arena.allocate(0x10000)));
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    private final ExitStats stats = new ExitStats();
    private final List<String> trace = new ArrayList<>();
    private final ExitDispatcher dispatcher = new ExitDispatcher(pio, mmio, memory, stats, ExitTrace.lines(trace::add));
    private final TestGuests.Recorder uart = new TestGuests.Recorder(0x60);

    private final VcpuView vcpu = new VcpuView() {
        public int id() {
            return 0;
        }

        public long rip() {
            return 0xffffffff81000010L;
        }

        public long translate(long address) {
            return address == 0xffffffff81000010L ? 0x1010 : -1;
        }
    };

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment data(byte... bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length));
        s.copyFrom(MemorySegment.ofArray(bytes));
        return s;
    }

    @Test
    void portWritesAndReadsReachTheDeviceAndRepStringsAreSplit() {
        pio.insert("uart", 0x3f8, 8, uart);
        assertSame(VcpuAction.CONTINUE, dispatcher.dispatch(vcpu, new VcpuExit.IoOut(0x3f8, 1, 3, data((byte) 'a', (byte) 'b', (byte) 'c'))));
        MemorySegment in = arena.allocate(2);
        dispatcher.dispatch(vcpu, new VcpuExit.IoIn(0x3fd, 1, 2, in));
        assertEquals(0x60, in.get(JAVA_BYTE, 1));
        assertEquals(5, uart.accesses.size());
        assertEquals(5L, stats.byDevice().get("uart"));
        assertEquals(1L, stats.byKind().get("IO_OUT"));
        assertEquals("vcpu-0 out 0x3f8 ← 0x61 'a' → uart", trace.get(0));
        assertEquals("vcpu-0 in 0x3fd = 0x60 '`' → uart", trace.get(3));
    }

    @Test
    void unclaimedReadsSeeAllOnesAndAreCounted() {
        MemorySegment in = arena.allocate(4);
        dispatcher.dispatch(vcpu, new VcpuExit.IoIn(0x80, 4, 1, in));
        assertEquals(-1, in.get(JAVA_INT, 0));
        MemorySegment m = arena.allocate(2);
        dispatcher.dispatch(vcpu, new VcpuExit.MmioRead(0xfed00000L, 2, m));
        assertEquals((byte) 0xff, m.get(JAVA_BYTE, 0));
        dispatcher.dispatch(vcpu, new VcpuExit.MmioWrite(0xfed00000L, 1, data((byte) 1)));
        assertEquals(1L, stats.byDevice().get("unhandled-pio"));
        assertEquals(2L, stats.byDevice().get("unhandled-mmio"));
    }

    @Test
    void emulationFailureNamesRipPhysicalAddressAndInstructionBytes() {
        memory.write(GuestAddress.of(0x1010), new byte[] {(byte) 0x9b, (byte) 0xc3});
        var stop = assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu, new VcpuExit.InternalError(1, new long[0])));
        String msg = stop.exit().reason();
        assertEquals(1, stop.exit().status());
        assertTrue(msg.contains("emulation failure"), msg);
        assertTrue(msg.contains("rip 0xffffffff81000010 (phys 0x1010) bytes 9b c3 00"), msg);
        assertTrue(msg.contains("cannot emulate"), msg);
    }

    @Test
    void lifecycleExitsBecomeActions() {
        assertInstanceOf(VcpuAction.Halt.class, dispatcher.dispatch(vcpu, new VcpuExit.Hlt()));
        assertSame(VcpuAction.CONTINUE, dispatcher.dispatch(vcpu, new VcpuExit.Intr()));
        var triple = assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu, new VcpuExit.Shutdown()));
        assertTrue(triple.exit().reason().contains("triple fault"));
        assertEquals(0, assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu,
                new VcpuExit.SystemEvent(VcpuExit.SystemEvent.KVM_SYSTEM_EVENT_SHUTDOWN, new long[0]))).exit().status());
        assertEquals(1, assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu,
                new VcpuExit.SystemEvent(VcpuExit.SystemEvent.KVM_SYSTEM_EVENT_CRASH, new long[0]))).exit().status());
        assertEquals(1, assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu, new VcpuExit.FailEntry(0x21, 0))).exit().status());
        assertEquals(1, assertInstanceOf(VcpuAction.Stop.class, dispatcher.dispatch(vcpu, new VcpuExit.Unknown(77))).exit().status());
    }

    @Test
    void theFirstGuestExitIsReportedOnceAndAKickIsNotOne() {
        List<Long> heard = new ArrayList<>();
        stats.onFirstExit(heard::add);
        dispatcher.dispatch(vcpu, new VcpuExit.Intr());   // our own kick, not the guest's doing
        assertEquals(List.of(), heard);
        dispatcher.dispatch(vcpu, new VcpuExit.IoOut(0x80, 1, 1, data((byte) 0)));
        dispatcher.dispatch(vcpu, new VcpuExit.IoOut(0x80, 1, 1, data((byte) 0)));
        assertEquals(1, heard.size());
        assertEquals(stats.firstExitNanos(), heard.getFirst());
    }
}
