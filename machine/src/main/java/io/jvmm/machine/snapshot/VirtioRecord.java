package io.jvmm.machine.snapshot;

import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.blk.VirtioBlockState;
import io.jvmm.devices.virtio.net.VirtioNetState;
import io.jvmm.devices.virtio.rng.VirtioRngState;

import java.util.List;

/**
 * A virtio-mmio device's record in a snapshot: its slot in the layout (MMIO 0xC0001000 + slot × 0x1000,
 * GSI 5 + slot), the transport's registers and queues, the device's own state, and what the machine
 * needs to open its back end again (disk path and mode, TAP name).
 */
public sealed interface VirtioRecord {
    int slot();

    VirtioMmioState transport();

    /**
     * A disk.
     *
     * @param path    the disk image (a restore may name another one of the same size)
     * @param mode    {@link #READ_ONLY}, {@link #READ_WRITE} (the file is written) or {@link #COPY_ON_WRITE}
     *                (writes went to a private overlay, saved in {@code overlay})
     * @param overlay for copy-on-write: the saved clusters; null otherwise
     */
    record Block(int slot, String path, String mode, Overlay overlay, VirtioBlockState device,
                 VirtioMmioState transport) implements VirtioRecord {
        public static final String READ_ONLY = "read-only";
        public static final String READ_WRITE = "read-write";
        public static final String COPY_ON_WRITE = "copy-on-write";
    }

    /**
     * A copy-on-write disk's written clusters, saved at their own offsets in a sparse file beside the state
     * file.
     *
     * @param file     the file's name (no directory: it lies beside the state file)
     * @param clusters runs of 4 KiB clusters, {first, last}, in order
     */
    record Overlay(String file, List<long[]> clusters) {
    }

    /** A network interface on host TAP {@code tap}. */
    record Net(int slot, String tap, VirtioNetState device, VirtioMmioState transport) implements VirtioRecord {
    }

    /** An entropy device. */
    record Rng(int slot, VirtioRngState device, VirtioMmioState transport) implements VirtioRecord {
    }
}
