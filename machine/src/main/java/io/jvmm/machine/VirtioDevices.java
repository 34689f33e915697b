package io.jvmm.machine;

import io.jvmm.boot.acpi.AcpiPlatform;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.devices.virtio.VirtioDevice;
import io.jvmm.devices.virtio.VirtioMmio;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.blk.BlockBackend;
import io.jvmm.devices.virtio.blk.CopyOnWriteBackend;
import io.jvmm.devices.virtio.blk.RawFileBackend;
import io.jvmm.devices.virtio.blk.VirtioBlock;
import io.jvmm.devices.virtio.net.VirtioNet;
import io.jvmm.devices.virtio.rng.VirtioRng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires virtio-mmio devices into a VM, Firecracker's way: device n at 0xC0001000 + n × 0x1000 with
 * legacy GSI 5 + n; the guest's queue notifications arrive as ioeventfds and its interrupts leave as
 * irqfds, so the vCPU threads never touch the data path — the {@code vmm-io} thread does. The KVM side
 * of that is {@link VmWiring}'s; this class knows only the layout and the devices.
 *
 * <pre>
 *   guest writes QueueNotify = q ──KVM ioeventfd──► vmm-io: transport.notifyQueue(q)
 *   device completes a request   ──irqfd (GSI 5+n)──► in-kernel IOAPIC ──► guest interrupt
 * </pre>
 */
final class VirtioDevices implements AutoCloseable {
    static final int FIRST_GSI = 5;
    /** GSIs 5..23 of the IOAPIC: 19 devices at most. */
    static final int MAX_DEVICES = 19;
    /** Where copy-on-write overlays live (unlinked at once, so nothing is left behind). */
    static final Path OVERLAY_DIR = Path.of(System.getProperty("java.io.tmpdir"));

    private final List<VirtioMmioTransport> transports = new ArrayList<>();
    /** The back ends (disk files, TAPs); the wiring owns the eventfds. */
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final StringBuilder cmdline = new StringBuilder();
    private final List<AcpiPlatform.MmioDevice> windows = new ArrayList<>();

    /** No virtio devices (a restored machine, until device records are restored). */
    static VirtioDevices none() {
        return new VirtioDevices();
    }

    /** Creates and wires every virtio device {@code spec} asks for. */
    static VirtioDevices attach(VmWiring wiring, MachineSpec spec) {
        VirtioDevices d = new VirtioDevices();
        try {
            int count = spec.disks().size() + spec.nets().size() + (spec.rng() ? 1 : 0);
            if (count > MAX_DEVICES) { // MachineSpec checks this; kept as the layout's own guard
                throw new IllegalArgumentException(count + " virtio devices asked for; at most " + MAX_DEVICES
                        + " fit the IOAPIC's GSIs 5..23");
            }
            for (int disk = 0; disk < spec.disks().size(); disk++) {
                MachineSpec.DiskSpec s = spec.disks().get(disk);
                checkNotAttachedTwice(spec.disks(), disk);
                d.owned.add(DiskLock.acquire(disk, s));
                BlockBackend backend;
                try {
                    RawFileBackend file = RawFileBackend.open(s.path(), !s.writesFile());
                    try {
                        backend = s.copyOnWrite() ? CopyOnWriteBackend.over(file, OVERLAY_DIR) : file;
                    } catch (IOException e) {
                        file.close();
                        throw e;
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException("disk " + (disk + 1) + ": " + e.getMessage());
                }
                d.owned.add(backend);
                String name = "virtio-blk" + disk;
                d.add(wiring, name, new VirtioBlock(backend, "jvmm-" + name), null);
            }
            int net = 0;
            for (MachineSpec.NetSpec s : spec.nets()) {
                TapBackend tap;
                try {
                    tap = TapBackend.open(s.tap());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("net " + (net + 1) + ": TAP " + s.tap() + ": " + e.getMessage()
                            + " (an existing TAP, or run as root so jvmm can create it)");
                }
                d.owned.add(tap);
                byte[] mac = s.mac() != null ? VirtioNet.parseMac(s.mac()) : null;
                VirtioNet dev = new VirtioNet(tap, mac, false);
                d.add(wiring, "virtio-net" + net++, dev, tap);
            }
            if (spec.rng()) {
                d.add(wiring, "virtio-rng0", new VirtioRng(), null);
            }
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * One file as two disks of this machine is refused when either may write it: the second open would
     * see the first one's lock as "another process", which would mislead.
     */
    static void checkNotAttachedTwice(List<MachineSpec.DiskSpec> disks, int index) {
        MachineSpec.DiskSpec s = disks.get(index);
        for (int earlier = 0; earlier < index; earlier++) {
            MachineSpec.DiskSpec e = disks.get(earlier);
            if ((s.writesFile() || e.writesFile()) && sameFile(e.path(), s.path())) {
                throw new IllegalArgumentException("disk " + index + ": " + s.path() + " is already disk " + earlier
                        + " of this machine; a file written by one disk cannot be attached twice");
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // a missing file fails with its own message when it is opened
        }
    }

    private void add(VmWiring wiring, String name, VirtioDevice device, TapBackend tap) {
        int n = transports.size();
        long base = GuestRamLayout.VIRTIO_MMIO_BASE + n * VirtioMmio.VIRTIO_MMIO_SIZE;
        int gsi = FIRST_GSI + n;
        InterruptLine irq = wiring.interrupt(name, gsi);
        VirtioMmioTransport transport = new VirtioMmioTransport(name, device, wiring.memory(), irq);
        wiring.mmio().insert(name, base, VirtioMmio.VIRTIO_MMIO_SIZE, transport);
        for (int q = 0; q < transport.queueCount(); q++) {
            int queue = q;
            wiring.mmioDoorbell(name + "-q" + q, base + VirtioMmio.VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
                    () -> transport.notifyQueue(queue));
        }
        if (tap != null) {
            // Poll the TAP only while the device can take frames (live receive queue with room): otherwise
            // frames stay in the TAP, where a level-triggered poll would spin. The driver's receive-queue
            // notify wakes the loop to look again.
            wiring.whenReadable(name + "-tap", tap.fd(), transport::backendInputWanted, transport::backendReady);
        }
        transports.add(transport);
        cmdline.append(" virtio_mmio.device=4K@0x").append(Long.toHexString(base)).append(':').append(gsi);
        windows.add(new AcpiPlatform.MmioDevice(base, VirtioMmio.VIRTIO_MMIO_SIZE, gsi));
    }

    /** Each device's MMIO window and GSI, in order: what the DSDT names (LNRO0005 devices). */
    List<AcpiPlatform.MmioDevice> windows() {
        return List.copyOf(windows);
    }

    /** The kernel command-line entries announcing the devices (leading space), "" when none. */
    String cmdline() {
        return cmdline.toString();
    }

    List<VirtioMmioTransport> transports() {
        return List.copyOf(transports);
    }

    @Override
    public void close() {
        for (AutoCloseable r : owned.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                // closing on the way out: nothing more to do with a failure here
            }
        }
    }
}
