package io.jvmm.machine;

import io.jvmm.core.irq.InterruptLine;
import io.jvmm.devices.virtio.VirtioCounters;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    private final List<String> names = new ArrayList<>();
    /** The disks, in guest order (disk i is virtio-blk i); their lock and back end change with {@link #replaceDisk}. */
    private final List<Disk> disks = new ArrayList<>();
    /** The other back ends (TAPs); the wiring owns the eventfds. */
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final StringBuilder cmdline = new StringBuilder();

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
                Disk opened = Disk.open(disk, s);
                d.disks.add(opened);
                String name = "virtio-blk" + disk;
                opened.device = new VirtioBlock(opened.backend, "jvmm-" + name);
                d.add(wiring, name, opened.device, null);
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
        names.add(name);
        cmdline.append(" virtio_mmio.device=4K@0x").append(Long.toHexString(base)).append(':').append(gsi);
    }

    /** The kernel command-line entries announcing the devices (leading space), "" when none. */
    String cmdline() {
        return cmdline.toString();
    }

    List<VirtioMmioTransport> transports() {
        return List.copyOf(transports);
    }

    /** Each device's counters by its name ("virtio-blk0", "virtio-net0", "virtio-rng0"), in guest order. */
    Map<String, VirtioCounters> counters() {
        Map<String, VirtioCounters> m = new LinkedHashMap<>();
        for (int i = 0; i < transports.size(); i++) {
            m.put(names.get(i), transports.get(i).counters());
        }
        return m;
    }

    /**
     * Opens {@code path} (with disk {@code index}'s read-only and copy-on-write settings and lock) and puts it
     * behind that disk's device, then closes the old file and lock. Call only while the machine is paused.
     * A refusal (no such disk, the file cannot be opened or locked, a different read-only flag) changes nothing.
     *
     * @return the disk's new size in bytes
     */
    long replaceDisk(int index, Path path) {
        if (index < 0 || index >= disks.size()) {
            throw new IllegalArgumentException("disk " + index + ": no such disk (the machine has " + disks.size() + ")");
        }
        Disk old = disks.get(index);
        MachineSpec.DiskSpec spec = new MachineSpec.DiskSpec(path, old.spec.readOnly(), old.spec.copyOnWrite());
        for (int other = 0; other < disks.size(); other++) {
            MachineSpec.DiskSpec o = disks.get(other).spec;
            if (other != index && (spec.writesFile() || o.writesFile()) && sameFile(o.path(), path)) {
                throw new IllegalArgumentException("disk " + index + ": " + path + " is already disk " + other
                        + " of this machine; a file written by one disk cannot be attached twice");
            }
        }
        Disk fresh = Disk.open(index, spec);
        fresh.device = old.device;
        try {
            old.device.replaceBackend(fresh.backend);
        } catch (IllegalArgumentException e) {
            fresh.close();
            throw new IllegalArgumentException("disk " + index + ": " + e.getMessage());
        }
        disks.set(index, fresh);
        old.close();
        return fresh.backend.size();
    }

    @Override
    public void close() {
        for (Disk disk : disks.reversed()) {
            disk.close();
        }
        for (AutoCloseable r : owned.reversed()) {
            try {
                r.close();
            } catch (Exception e) {
                // closing on the way out: nothing more to do with a failure here
            }
        }
    }

    /** One disk: its spec, the lock on its file, the back end reading it and (once attached) its device. */
    private static final class Disk {
        final MachineSpec.DiskSpec spec;
        final AutoCloseable lock;
        final BlockBackend backend;
        VirtioBlock device;

        private Disk(MachineSpec.DiskSpec spec, AutoCloseable lock, BlockBackend backend) {
            this.spec = spec;
            this.lock = lock;
            this.backend = backend;
        }

        /** Locks and opens disk {@code index}'s file; a failure is an IllegalArgumentException naming the disk. */
        static Disk open(int index, MachineSpec.DiskSpec s) {
            AutoCloseable lock = DiskLock.acquire(index, s);
            try {
                RawFileBackend file = RawFileBackend.open(s.path(), !s.writesFile());
                try {
                    return new Disk(s, lock, s.copyOnWrite() ? CopyOnWriteBackend.over(file, OVERLAY_DIR) : file);
                } catch (IOException e) {
                    file.close();
                    throw e;
                }
            } catch (IOException e) {
                closeQuietly(lock);
                throw new IllegalArgumentException("disk " + (index + 1) + ": " + e.getMessage());
            }
        }

        void close() {
            closeQuietly(backend);
            closeQuietly(lock);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing on the way out: nothing more to do with a failure here
        }
    }
}
