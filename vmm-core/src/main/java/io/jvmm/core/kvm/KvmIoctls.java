package io.jvmm.core.kvm;

/**
 * Every ioctl number jvmm uses, computed as {@code <asm-generic/ioctl.h>} does. Pinned by a test
 * against the values gcc computes from {@code <linux/kvm.h>}.
 *
 * <pre>
 *  31  30 29            16 15         8 7          0
 * +------+----------------+------------+------------+
 * | dir  |      size      |  type 0xAE |     nr     |
 * +------+----------------+------------+------------+
 *  dir: 0 none, 1 write (user to kernel), 2 read, 3 both
 * </pre>
 */
public final class KvmIoctls {
    private static final int IOC_NONE = 0;
    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;
    private static final int KVMIO = 0xAE;

    // System ioctls (on /dev/kvm)
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, 8); // struct kvm_cpuid2 header
    public static final long KVM_GET_MSR_INDEX_LIST = iowr(0x02, 4);  // struct kvm_msr_list header

    // VM ioctls
    public static final long KVM_CREATE_VCPU = io(0x41);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmUserspaceMemoryRegion.LAYOUT.byteSize());
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(0x48, 8);
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    public static final long KVM_IRQ_LINE = iow(0x61, 8);
    public static final long KVM_IRQFD = iow(0x76, KvmIrqfd.LAYOUT.byteSize());
    public static final long KVM_CREATE_PIT2 = iow(0x77, KvmPitConfig.LAYOUT.byteSize());
    public static final long KVM_IOEVENTFD = iow(0x79, KvmIoeventfd.LAYOUT.byteSize());
    public static final long KVM_GET_IRQCHIP = iowr(0x62, KvmIrqchip.LAYOUT.byteSize());
    public static final long KVM_SET_IRQCHIP = ior(0x63, KvmIrqchip.LAYOUT.byteSize()); // _IOR in the header, as it is
    public static final long KVM_SET_CLOCK = iow(0x7b, KvmClockData.LAYOUT.byteSize());
    public static final long KVM_GET_CLOCK = ior(0x7c, KvmClockData.LAYOUT.byteSize());
    public static final long KVM_GET_PIT2 = ior(0x9f, KvmPitState2.LAYOUT.byteSize());
    public static final long KVM_SET_PIT2 = iow(0xa0, KvmPitState2.LAYOUT.byteSize());

    // vCPU ioctls
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, KvmRegs.LAYOUT.byteSize());
    public static final long KVM_SET_REGS = iow(0x82, KvmRegs.LAYOUT.byteSize());
    public static final long KVM_GET_SREGS = ior(0x83, KvmSregs.LAYOUT.byteSize());
    public static final long KVM_SET_SREGS = iow(0x84, KvmSregs.LAYOUT.byteSize());
    public static final long KVM_TRANSLATE = iowr(0x85, KvmTranslation.LAYOUT.byteSize());
    public static final long KVM_GET_MSRS = iowr(0x88, 8); // struct kvm_msrs header
    public static final long KVM_SET_MSRS = iow(0x89, 8);
    public static final long KVM_SET_SIGNAL_MASK = iow(0x8b, 4); // struct kvm_signal_mask header
    public static final long KVM_GET_FPU = ior(0x8c, KvmFpu.LAYOUT.byteSize());
    public static final long KVM_SET_FPU = iow(0x8d, KvmFpu.LAYOUT.byteSize());
    public static final long KVM_GET_LAPIC = ior(0x8e, KvmLapicState.SIZE);
    public static final long KVM_SET_LAPIC = iow(0x8f, KvmLapicState.SIZE);
    public static final long KVM_SET_CPUID2 = iow(0x90, 8);
    public static final long KVM_GET_CPUID2 = iowr(0x91, 8);
    public static final long KVM_GET_MP_STATE = ior(0x98, KvmMpState.LAYOUT.byteSize());
    public static final long KVM_SET_MP_STATE = iow(0x99, KvmMpState.LAYOUT.byteSize());
    public static final long KVM_GET_VCPU_EVENTS = ior(0x9f, KvmVcpuEvents.LAYOUT.byteSize());
    public static final long KVM_SET_VCPU_EVENTS = iow(0xa0, KvmVcpuEvents.LAYOUT.byteSize());
    public static final long KVM_GET_DEBUGREGS = ior(0xa1, KvmDebugregs.LAYOUT.byteSize());
    public static final long KVM_SET_DEBUGREGS = iow(0xa2, KvmDebugregs.LAYOUT.byteSize());
    public static final long KVM_GET_XSAVE = ior(0xa4, KvmXsave.LAYOUT.byteSize());
    public static final long KVM_SET_XSAVE = iow(0xa5, KvmXsave.LAYOUT.byteSize());
    public static final long KVM_GET_XCRS = ior(0xa6, KvmXcrs.LAYOUT.byteSize());
    public static final long KVM_SET_XCRS = iow(0xa7, KvmXcrs.LAYOUT.byteSize());

    // Capabilities (KVM_CHECK_EXTENSION arguments)
    public static final int KVM_CAP_IRQCHIP = 0;
    public static final int KVM_CAP_HLT = 1;
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_NR_MEMSLOTS = 10;
    public static final int KVM_CAP_PIT2 = 33;
    public static final int KVM_CAP_IOEVENTFD = 36;
    public static final int KVM_CAP_IRQFD = 32;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    public static final int KVM_CAP_XSAVE = 55;
    public static final int KVM_CAP_XCRS = 56;
    public static final int KVM_CAP_DEBUGREGS = 50;
    public static final int KVM_CAP_VCPU_EVENTS = 41;
    public static final int KVM_CAP_ADJUST_CLOCK = 39;

    public static final int KVM_API_VERSION = 12;

    private KvmIoctls() {
    }

    static long ioc(int dir, int nr, long size) {
        return ((long) dir << 30) | (size << 16) | ((long) KVMIO << 8) | nr;
    }

    private static long io(int nr) {
        return ioc(IOC_NONE, nr, 0);
    }

    private static long ior(int nr, long size) {
        return ioc(IOC_READ, nr, size);
    }

    private static long iow(int nr, long size) {
        return ioc(IOC_WRITE, nr, size);
    }

    private static long iowr(int nr, long size) {
        return ioc(IOC_READ | IOC_WRITE, nr, size);
    }
}
