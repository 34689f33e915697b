package io.jvmm.machine;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.vm.VirtualMachine;

import java.util.ArrayList;
import java.util.List;

/**
 * Where guest RAM goes. Devices live in the 32-bit MMIO hole [3 GiB, 4 GiB) — the boot timer at
 * 0xC0000000, virtio-mmio at 0xC0001000 + n × 0x1000, IOAPIC and LAPIC near the top — so RAM is
 * split around it, as Firecracker does:
 * <pre>
 *   0 ───────── RAM ───────── 3 GiB ── MMIO hole ── 4 GiB ───── rest of RAM ─────
 * </pre>
 */
public final class GuestRamLayout {
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    public static final long FOUR_GIB = 0x1_0000_0000L;
    /** Boot timer MMIO (Firecracker's address and magic). */
    public static final long BOOT_TIMER_ADDRESS = 0xC000_0000L;
    /** First virtio-mmio device; each takes 4 KiB. */
    public static final long VIRTIO_MMIO_BASE = 0xC000_1000L;

    private GuestRamLayout() {
    }

    static List<VirtualMachine.RamRegion> regions(long bytes) {
        List<VirtualMachine.RamRegion> out = new ArrayList<>();
        long low = Math.min(bytes, MMIO_HOLE_START);
        out.add(new VirtualMachine.RamRegion(GuestAddress.of(0), low));
        if (bytes > low) {
            out.add(new VirtualMachine.RamRegion(GuestAddress.of(FOUR_GIB), bytes - low));
        }
        return out;
    }
}
