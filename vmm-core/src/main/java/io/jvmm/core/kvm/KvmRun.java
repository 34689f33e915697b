package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_run}, the page shared between KVM and the vCPU thread (mmap of the vCPU fd), and
 * the one place where it is decoded into a {@link VcpuExit}.
 *
 * <pre>
 *   0 request_interrupt_window u8 | immediate_exit u8 | padding1[6]
 *   8 exit_reason u32 | ready_for_interrupt_injection u8 | if_flag u8 | flags u16
 *  16 cr8 u64
 *  24 apic_base u64
 *  32 union (256 bytes): io | mmio | hw | fail_entry | internal | system_event | ...
 * 288 kvm_valid_regs u64 | 296 kvm_dirty_regs u64 | 304 s (2048 bytes)
 * </pre>
 * Port-I/O data is not in the union: {@code io.data_offset} points into the same page.
 */
public final class KvmRun {
    public static final StructLayout IO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("direction"),
            JAVA_BYTE.withName("size"),
            JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("data_offset")).withName("io");
    public static final StructLayout MMIO = MemoryLayout.structLayout(
            JAVA_LONG.withName("phys_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("data"),
            JAVA_INT.withName("len"),
            JAVA_BYTE.withName("is_write"),
            MemoryLayout.paddingLayout(3)).withName("mmio");
    public static final StructLayout HW = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_exit_reason")).withName("hw");
    public static final StructLayout FAIL_ENTRY = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"),
            JAVA_INT.withName("cpu"),
            MemoryLayout.paddingLayout(4)).withName("fail_entry");
    public static final StructLayout INTERNAL = MemoryLayout.structLayout(
            JAVA_INT.withName("suberror"),
            JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("internal");
    public static final StructLayout SYSTEM_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("system_event");

    /** The anonymous exit union; named "anon_exit" here since C gives it no name. */
    public static final UnionLayout EXIT_UNION = MemoryLayout.unionLayout(
            IO, MMIO, HW, FAIL_ENTRY, INTERNAL, SYSTEM_EVENT,
            MemoryLayout.sequenceLayout(256, JAVA_BYTE).withName("padding")).withName("anon_exit");

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            EXIT_UNION,
            JAVA_LONG.withName("kvm_valid_regs"),
            JAVA_LONG.withName("kvm_dirty_regs"),
            MemoryLayout.sequenceLayout(2048, JAVA_BYTE).withName("s")).withName("kvm_run");

    // Exit reasons (include/uapi/linux/kvm.h)
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;

    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;

    static final long IMMEDIATE_EXIT = KvmStruct.offsetOf(LAYOUT, "immediate_exit");
    static final long EXIT_REASON = KvmStruct.offsetOf(LAYOUT, "exit_reason");
    static final long UNION = KvmStruct.offsetOf(LAYOUT, "anon_exit");
    private static final long IO_DIRECTION = UNION + KvmStruct.offsetOf(IO, "direction");
    private static final long IO_SIZE = UNION + KvmStruct.offsetOf(IO, "size");
    private static final long IO_PORT = UNION + KvmStruct.offsetOf(IO, "port");
    private static final long IO_COUNT = UNION + KvmStruct.offsetOf(IO, "count");
    private static final long IO_DATA_OFFSET = UNION + KvmStruct.offsetOf(IO, "data_offset");
    private static final long MMIO_PHYS_ADDR = UNION + KvmStruct.offsetOf(MMIO, "phys_addr");
    private static final long MMIO_DATA = UNION + KvmStruct.offsetOf(MMIO, "data");
    private static final long MMIO_LEN = UNION + KvmStruct.offsetOf(MMIO, "len");
    private static final long MMIO_IS_WRITE = UNION + KvmStruct.offsetOf(MMIO, "is_write");
    private static final long FAIL_REASON = UNION + KvmStruct.offsetOf(FAIL_ENTRY, "hardware_entry_failure_reason");
    private static final long FAIL_CPU = UNION + KvmStruct.offsetOf(FAIL_ENTRY, "cpu");
    private static final long INTERNAL_SUBERROR = UNION + KvmStruct.offsetOf(INTERNAL, "suberror");
    private static final long INTERNAL_NDATA = UNION + KvmStruct.offsetOf(INTERNAL, "ndata");
    private static final long INTERNAL_DATA = UNION + KvmStruct.offsetOf(INTERNAL, "data");
    private static final long SYSTEM_EVENT_TYPE = UNION + KvmStruct.offsetOf(SYSTEM_EVENT, "type");
    private static final long SYSTEM_EVENT_NDATA = UNION + KvmStruct.offsetOf(SYSTEM_EVENT, "ndata");
    private static final long SYSTEM_EVENT_DATA = UNION + KvmStruct.offsetOf(SYSTEM_EVENT, "data");

    private KvmRun() {
    }

    /**
     * Decodes the exit described by {@code run} (the vCPU's kvm_run mapping, or a synthetic one in
     * tests). Sizes and offsets that KVM reports are checked against the mapping, so a bad value
     * becomes an {@link VcpuExit.Unknown} rather than an out-of-bounds view.
     */
    public static VcpuExit decode(MemorySegment run) {
        int reason = run.get(JAVA_INT, EXIT_REASON);
        return switch (reason) {
            case KVM_EXIT_IO -> decodeIo(run, reason);
            case KVM_EXIT_MMIO -> decodeMmio(run, reason);
            case KVM_EXIT_HLT -> new VcpuExit.Hlt();
            case KVM_EXIT_SHUTDOWN -> new VcpuExit.Shutdown();
            case KVM_EXIT_INTR -> new VcpuExit.Intr();
            case KVM_EXIT_FAIL_ENTRY -> new VcpuExit.FailEntry(run.get(JAVA_LONG, FAIL_REASON), run.get(JAVA_INT, FAIL_CPU));
            case KVM_EXIT_INTERNAL_ERROR -> new VcpuExit.InternalError(run.get(JAVA_INT, INTERNAL_SUBERROR),
                    words(run, INTERNAL_NDATA, INTERNAL_DATA));
            case KVM_EXIT_SYSTEM_EVENT -> new VcpuExit.SystemEvent(run.get(JAVA_INT, SYSTEM_EVENT_TYPE),
                    words(run, SYSTEM_EVENT_NDATA, SYSTEM_EVENT_DATA));
            default -> new VcpuExit.Unknown(reason);
        };
    }

    private static VcpuExit decodeIo(MemorySegment run, int reason) {
        int direction = Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_DIRECTION));
        int size = Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_SIZE));
        int port = Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT));
        int count = run.get(JAVA_INT, IO_COUNT);
        long dataOffset = run.get(JAVA_LONG, IO_DATA_OFFSET);
        long bytes = (long) size * Integer.toUnsignedLong(count);
        if ((size != 1 && size != 2 && size != 4) || count <= 0 || dataOffset < 0
                || dataOffset > run.byteSize() || bytes > run.byteSize() - dataOffset) {
            return new VcpuExit.Unknown(reason);
        }
        MemorySegment data = run.asSlice(dataOffset, bytes);
        return direction == KVM_EXIT_IO_OUT
                ? new VcpuExit.IoOut(port, size, count, data)
                : new VcpuExit.IoIn(port, size, count, data);
    }

    private static VcpuExit decodeMmio(MemorySegment run, int reason) {
        long addr = run.get(JAVA_LONG, MMIO_PHYS_ADDR);
        int len = run.get(JAVA_INT, MMIO_LEN);
        if (len <= 0 || len > 8) {
            return new VcpuExit.Unknown(reason);
        }
        MemorySegment data = run.asSlice(MMIO_DATA, len);
        return run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0
                ? new VcpuExit.MmioWrite(addr, len, data)
                : new VcpuExit.MmioRead(addr, len, data);
    }

    private static long[] words(MemorySegment run, long ndataOffset, long dataOffset) {
        int n = Math.clamp(run.get(JAVA_INT, ndataOffset), 0, 16);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = run.get(JAVA_LONG, dataOffset + 8L * i);
        }
        return out;
    }

    /** Sets {@code immediate_exit}: the next KVM_RUN returns EINTR at once without entering the guest. */
    public static void setImmediateExit(MemorySegment run, boolean on) {
        // Volatile: another thread (the one stopping the VM) sets it while this vCPU may be in KVM_RUN.
        IMMEDIATE_EXIT_HANDLE.setVolatile(run, IMMEDIATE_EXIT, (byte) (on ? 1 : 0));
    }

    private static final java.lang.invoke.VarHandle IMMEDIATE_EXIT_HANDLE = JAVA_BYTE.varHandle();
}
