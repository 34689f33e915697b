package io.jvmm.core.kvm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Decoding of synthetic kvm_run pages, written with the offsets of {@code <linux/kvm.h>}. */
class KvmRunDecodeTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment run = arena.allocate(4096);

    @AfterEach
    void close() {
        arena.close();
    }

    private void reason(int r) {
        run.set(JAVA_INT, 8, r);
    }

    @Test
    void ioOutCarriesPortSizeCountAndData() {
        reason(KvmRun.KVM_EXIT_IO);
        run.set(JAVA_BYTE, 32, (byte) 1);          // direction out
        run.set(JAVA_BYTE, 33, (byte) 2);          // size
        run.set(JAVA_SHORT, 34, (short) 0x3f8);    // port
        run.set(JAVA_INT, 36, 3);                  // count (rep outsw)
        run.set(JAVA_LONG, 40, 0x800);             // data_offset
        run.asSlice(0x800, 6).copyFrom(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6}));
        var io = assertInstanceOf(VcpuExit.IoOut.class, KvmRun.decode(run));
        assertEquals(0x3f8, io.port());
        assertEquals(2, io.size());
        assertEquals(3, io.count());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, io.data().toArray(JAVA_BYTE));
    }

    @Test
    void ioInAndBadIoDescriptors() {
        reason(KvmRun.KVM_EXIT_IO);
        run.set(JAVA_BYTE, 32, (byte) 0);
        run.set(JAVA_BYTE, 33, (byte) 4);
        run.set(JAVA_SHORT, 34, (short) 0xcf8);
        run.set(JAVA_INT, 36, 1);
        run.set(JAVA_LONG, 40, 0x800);
        var in = assertInstanceOf(VcpuExit.IoIn.class, KvmRun.decode(run));
        assertEquals(4, in.data().byteSize());
        run.set(JAVA_LONG, 40, 4094);               // data would run past the page
        assertInstanceOf(VcpuExit.Unknown.class, KvmRun.decode(run));
        run.set(JAVA_LONG, 40, 0x800);
        run.set(JAVA_BYTE, 33, (byte) 3);           // no such access size
        assertInstanceOf(VcpuExit.Unknown.class, KvmRun.decode(run));
    }

    @Test
    void mmioReadAndWrite() {
        reason(KvmRun.KVM_EXIT_MMIO);
        run.set(JAVA_LONG, 32, 0xd0000004L);        // phys_addr
        run.set(JAVA_INT, 32 + 16, 4);              // len
        run.set(JAVA_BYTE, 32 + 20, (byte) 1);      // is_write
        run.set(JAVA_INT, 32 + 8, 0x11223344);      // data
        var w = assertInstanceOf(VcpuExit.MmioWrite.class, KvmRun.decode(run));
        assertEquals(0xd0000004L, w.address());
        assertEquals(0x11223344, w.data().get(JAVA_INT, 0));
        run.set(JAVA_BYTE, 32 + 20, (byte) 0);
        var r = assertInstanceOf(VcpuExit.MmioRead.class, KvmRun.decode(run));
        assertEquals(4, r.len());
        run.set(JAVA_INT, 32 + 16, 9);              // longer than the 8-byte data field
        assertInstanceOf(VcpuExit.Unknown.class, KvmRun.decode(run));
    }

    @Test
    void errorsAndEvents() {
        reason(KvmRun.KVM_EXIT_INTERNAL_ERROR);
        run.set(JAVA_INT, 32, 1);                   // suberror: emulation
        run.set(JAVA_INT, 36, 2);                   // ndata
        run.set(JAVA_LONG, 40, 7);
        run.set(JAVA_LONG, 48, 9);
        var ie = assertInstanceOf(VcpuExit.InternalError.class, KvmRun.decode(run));
        assertEquals(1, ie.suberror());
        assertArrayEquals(new long[] {7, 9}, ie.data());
        run.set(JAVA_INT, 36, 1000);                // absurd ndata is clamped to the 16 words there are
        assertEquals(16, ((VcpuExit.InternalError) KvmRun.decode(run)).data().length);

        reason(KvmRun.KVM_EXIT_FAIL_ENTRY);
        run.set(JAVA_LONG, 32, 0x80000021L);
        run.set(JAVA_INT, 40, 3);
        var fe = assertInstanceOf(VcpuExit.FailEntry.class, KvmRun.decode(run));
        assertEquals(0x80000021L, fe.reason());
        assertEquals(3, fe.cpu());

        reason(KvmRun.KVM_EXIT_SYSTEM_EVENT);
        run.set(JAVA_INT, 32, VcpuExit.SystemEvent.KVM_SYSTEM_EVENT_RESET);
        run.set(JAVA_INT, 36, 0);
        assertEquals(2, assertInstanceOf(VcpuExit.SystemEvent.class, KvmRun.decode(run)).type());

        reason(KvmRun.KVM_EXIT_HLT);
        assertInstanceOf(VcpuExit.Hlt.class, KvmRun.decode(run));
        reason(KvmRun.KVM_EXIT_SHUTDOWN);
        assertInstanceOf(VcpuExit.Shutdown.class, KvmRun.decode(run));
        reason(KvmRun.KVM_EXIT_INTR);
        assertInstanceOf(VcpuExit.Intr.class, KvmRun.decode(run));
        reason(99);
        assertEquals(99, assertInstanceOf(VcpuExit.Unknown.class, KvmRun.decode(run)).reason());
    }
}
