package io.jvmm.machine;

import io.jvmm.boot.acpi.AcpiPlatform;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.devices.virtio.VirtioCounters;
import io.jvmm.devices.virtio.VirtioDevice;
import io.jvmm.devices.virtio.VirtioMmio;
import io.jvmm.devices.virtio.VirtioMmioTransport;
import io.jvmm.devices.virtio.blk.BlockBackend;
import io.jvmm.devices.virtio.blk.CopyOnWriteBackend;
import io.jvmm.devices.virtio.blk.RawFileBackend;
import io.jvmm.devices.virtio.blk.VirtioBlock;
import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.VirtioMmioState;
import io.jvmm.devices.virtio.blk.SavedOverlayBackend;
import io.jvmm.devices.virtio.net.VirtioNet;
import io.jvmm.devices.virtio.rng.VirtioRng;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotFiles;
import io.jvmm.machine.snapshot.VirtioRecord;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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
    /** Per slot, what a snapshot records beside the transport: the disk or TAP behind the device. */
    private final List<Slot> slots = new ArrayList<>();
    /** The back ends (disk files, TAPs); the wiring owns the eventfds. */
    private final List<AutoCloseable> owned = new ArrayList<>();
    /** Each open disk back end's lock (also in {@link #owned}), so that {@link #replaceDisk} can release it. */
    private final Map<BlockBackend, AutoCloseable> diskLocks = new IdentityHashMap<>();
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
                BlockBackend backend = d.openDisk(disk, s, file -> CopyOnWriteBackend.over(file, OVERLAY_DIR));
                String name = "virtio-blk" + disk;
                d.add(wiring, name, new VirtioBlock(backend, "jvmm-" + name), null, new Slot.Disk(s, backend));
            }
            int net = 0;
            for (MachineSpec.NetSpec s : spec.nets()) {
                TapBackend tap = d.openTap(net, s.tap());
                byte[] mac = s.mac() != null ? VirtioNet.parseMac(s.mac()) : null;
                VirtioNet dev = new VirtioNet(tap, mac, false);
                d.add(wiring, "virtio-net" + net++, dev, tap, new Slot.Net(s.tap()));
            }
            if (spec.rng()) {
                d.add(wiring, "virtio-rng0", new VirtioRng(), null, new Slot.Rng());
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

    private void add(VmWiring wiring, String name, VirtioDevice device, TapBackend tap, Slot slot) {
        add(wiring, name, tap, slot, irq -> new VirtioMmioTransport(name, device, wiring.memory(), irq));
    }

    /** Puts the transport {@code transport} makes on its interrupt line into the next slot. */
    private void add(VmWiring wiring, String name, TapBackend tap, Slot slot,
                     Function<InterruptLine, VirtioMmioTransport> transportOn) {
        int n = transports.size();
        long base = GuestRamLayout.VIRTIO_MMIO_BASE + n * VirtioMmio.VIRTIO_MMIO_SIZE;
        int gsi = FIRST_GSI + n;
        InterruptLine irq = wiring.interrupt(name, gsi);
        VirtioMmioTransport transport = transportOn.apply(irq);
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
        slots.add(slot);
        cmdline.append(" virtio_mmio.device=4K@0x").append(Long.toHexString(base)).append(':').append(gsi);
        windows.add(new AcpiPlatform.MmioDevice(base, VirtioMmio.VIRTIO_MMIO_SIZE, gsi));
    }

    /** Each device's MMIO window and GSI, in order: what the DSDT names (LNRO0005 devices). */
    List<AcpiPlatform.MmioDevice> windows() {
        return List.copyOf(windows);
    }

    /** A saved virtio device to restore: its record's name, where it is in the state file, and the record. */
    record Saved(String name, String where, VirtioRecord record) {
    }

    /**
     * The devices of a snapshot, in their slots, each with its transport and device state restored and its
     * back end opened again (disks locked as at boot; a copy-on-write disk over its saved clusters with a new
     * private overlay; TAPs by name) — with {@code options}' disk paths and TAP names where given. A record
     * that does not fit (a slot out of place, a field the device refuses, a disk of another size) is a
     * {@link SnapshotException} naming it; what was opened is closed again.
     */
    static VirtioDevices restore(VmWiring wiring, List<Saved> saved, SnapshotFiles files, RestoreOptions options) {
        long diskCount = saved.stream().filter(s -> s.record() instanceof VirtioRecord.Block).count();
        long netCount = saved.stream().filter(s -> s.record() instanceof VirtioRecord.Net).count();
        if (options.disks().size() > diskCount) {
            throw new SnapshotException(options.disks().size() + " disks given for the restore, but the snapshot has "
                    + diskCount);
        }
        if (options.taps().size() > netCount) {
            throw new SnapshotException(options.taps().size() + " TAPs given for the restore, but the snapshot has "
                    + netCount + " network interfaces");
        }
        if (saved.size() > MAX_DEVICES) {
            throw new SnapshotException(saved.size() + " virtio devices in the snapshot; at most " + MAX_DEVICES + " fit");
        }
        VirtioDevices d = new VirtioDevices();
        try {
            int disk = 0;
            int net = 0;
            for (int i = 0; i < saved.size(); i++) {
                Saved s = saved.get(i);
                String name = s.name();
                String where = s.where();
                VirtioRecord r = s.record();
                if (r.slot() != i) {
                    throw new SnapshotException(where + ": slot " + r.slot() + ", but it is virtio device " + i
                            + " in the file (slots are in order from 0)");
                }
                if (r.transport() == null) {
                    throw new SnapshotException(where + ": transport: missing");
                }
                try {
                    switch (r) {
                        case VirtioRecord.Block b -> {
                            Path path = disk < options.disks().size() ? options.disks().get(disk) : pathOf(b, where);
                            MachineSpec.DiskSpec spec = diskSpec(b, path, where);
                            List<long[]> runs = overlayRuns(b, files, where);
                            BlockBackend backend = d.openDisk(disk, spec, file -> savedOverlay(file,
                                    files.dir().resolve(b.overlay().file()), runs));
                            if (b.device() == null) {
                                throw new SnapshotException(where + ": device: missing");
                            }
                            VirtioBlock dev = VirtioBlock.restore(name, b.device(), backend);
                            d.add(wiring, name, null, new Slot.Disk(spec, backend),
                                    irq -> VirtioMmioTransport.restore(name, b.transport(), dev, wiring.memory(), irq));
                            disk++;
                        }
                        case VirtioRecord.Net n -> {
                            String tapName = net < options.taps().size() ? options.taps().get(net) : n.tap();
                            if (tapName == null || tapName.isEmpty()) {
                                throw new SnapshotException(where + ": tap: missing");
                            }
                            if (n.device() == null) {
                                throw new SnapshotException(where + ": device: missing");
                            }
                            TapBackend tap = d.openTap(net, tapName);
                            VirtioNet dev = VirtioNet.restore(name, n.device(), tap);
                            d.add(wiring, name, tap, new Slot.Net(tapName),
                                    irq -> VirtioMmioTransport.restore(name, n.transport(), dev, wiring.memory(), irq));
                            net++;
                        }
                        case VirtioRecord.Rng g -> {
                            if (g.device() == null) {
                                throw new SnapshotException(where + ": device: missing");
                            }
                            VirtioRng dev = VirtioRng.restore(g.device());
                            d.add(wiring, name, null, new Slot.Rng(),
                                    irq -> VirtioMmioTransport.restore(name, g.transport(), dev, wiring.memory(), irq));
                        }
                    }
                } catch (DeviceStateException | IllegalArgumentException e) {
                    throw new SnapshotException(where + ": " + e.getMessage());
                }
            }
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private static Path pathOf(VirtioRecord.Block b, String where) {
        if (b.path() == null || b.path().isEmpty()) {
            throw new SnapshotException(where + ": path: missing");
        }
        return Path.of(b.path());
    }

    private static MachineSpec.DiskSpec diskSpec(VirtioRecord.Block b, Path path, String where) {
        String mode = b.mode() == null ? "" : b.mode();
        boolean cow = mode.equals(VirtioRecord.Block.COPY_ON_WRITE);
        if (!cow && b.overlay() != null) {
            throw new SnapshotException(where + ": overlay: only a copy-on-write disk has one");
        }
        return switch (mode) {
            case VirtioRecord.Block.READ_ONLY -> new MachineSpec.DiskSpec(path, true);
            case VirtioRecord.Block.READ_WRITE -> new MachineSpec.DiskSpec(path, false);
            case VirtioRecord.Block.COPY_ON_WRITE -> new MachineSpec.DiskSpec(path, false, true);
            default -> throw new SnapshotException(where + ": mode: expected " + VirtioRecord.Block.READ_ONLY + ", "
                    + VirtioRecord.Block.READ_WRITE + " or " + VirtioRecord.Block.COPY_ON_WRITE + ", got " + b.mode());
        };
    }

    /** A copy-on-write disk's saved runs, checked for shape; the overlay file must lie beside the state file. */
    private static List<long[]> overlayRuns(VirtioRecord.Block b, SnapshotFiles files, String where) {
        if (!VirtioRecord.Block.COPY_ON_WRITE.equals(b.mode())) {
            return List.of();
        }
        VirtioRecord.Overlay o = b.overlay();
        if (o == null || o.file() == null || o.clusters() == null) {
            throw new SnapshotException(where + ": overlay: a copy-on-write disk needs {file, clusters}");
        }
        String f = o.file();
        if (f.isEmpty() || f.contains("/") || f.equals(".") || f.equals("..") || f.indexOf('\0') >= 0) {
            throw new SnapshotException(where + ": overlay.file: '" + f + "' is not a file name beside the state file");
        }
        for (int k = 0; k < o.clusters().size(); k++) {
            long[] run = o.clusters().get(k);
            if (run == null || run.length != 2) {
                throw new SnapshotException(where + ": overlay.clusters[" + k + "]: expected [first, last]");
            }
        }
        if (!Files.isRegularFile(files.dir().resolve(f))) {
            throw new SnapshotException(where + ": overlay.file: no such file " + files.dir().resolve(f));
        }
        return o.clusters();
    }

    private static BlockBackend savedOverlay(BlockBackend file, Path overlay, List<long[]> runs) throws IOException {
        SavedOverlayBackend lower = SavedOverlayBackend.open(file, overlay, runs);
        try {
            return CopyOnWriteBackend.over(lower, OVERLAY_DIR);
        } catch (IOException | RuntimeException e) {
            lower.close();
            throw e;
        }
    }

    /**
     * One record per device, in slot order, for a snapshot; a copy-on-write disk's written clusters are
     * saved beside the state file ({@link SnapshotFiles#overlayFile}). Precondition: the machine is paused.
     */
    List<VirtioRecordOut> records(SnapshotFiles files) throws IOException {
        List<VirtioRecordOut> out = new ArrayList<>();
        for (int i = 0; i < transports.size(); i++) {
            VirtioMmioTransport t = transports.get(i);
            VirtioMmioState ts = t.state();
            VirtioRecord r = switch (slots.get(i)) {
                case Slot.Disk disk -> {
                    MachineSpec.DiskSpec spec = disk.spec();
                    VirtioRecord.Overlay overlay = null;
                    String mode = spec.readOnly() ? VirtioRecord.Block.READ_ONLY
                            : spec.copyOnWrite() ? VirtioRecord.Block.COPY_ON_WRITE : VirtioRecord.Block.READ_WRITE;
                    if (disk.backend() instanceof CopyOnWriteBackend cow) {
                        overlay = saveOverlay(cow, files, t.name());
                    }
                    yield new VirtioRecord.Block(i, spec.path().toAbsolutePath().toString(), mode, overlay,
                            ((VirtioBlock) t.device()).state(), ts);
                }
                case Slot.Net net -> new VirtioRecord.Net(i, net.tap(), ((VirtioNet) t.device()).state(), ts);
                case Slot.Rng rng -> new VirtioRecord.Rng(i, ((VirtioRng) t.device()).state(), ts);
            };
            out.add(new VirtioRecordOut(t.name(), r));
        }
        return out;
    }

    /** A record {@link #records} made, with the device's name. */
    record VirtioRecordOut(String name, VirtioRecord record) {
    }

    private static VirtioRecord.Overlay saveOverlay(CopyOnWriteBackend cow, SnapshotFiles files, String device)
            throws IOException {
        Path target = files.overlayFile(device);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        List<long[]> runs;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            runs = cow.saveOverlay(ch);
        }
        // Replaced by rename: a clone that reads the old file keeps it.
        io.jvmm.machine.snapshot.MemoryFile.replace(target, tmp);
        return new VirtioRecord.Overlay(files.overlayName(device), runs);
    }

    /**
     * After a restore: looks at every queue once, for chains the guest made available after its last
     * notification was served (an ioeventfd signalled just before the snapshot is in no record).
     */
    void kickQueues() {
        for (VirtioMmioTransport t : transports) {
            for (int q = 0; q < t.queueCount(); q++) {
                t.notifyQueue(q);
            }
        }
    }

    /** A copy-on-write disk, made from the raw file opened read-only. */
    @FunctionalInterface
    private interface CopyOnWrite {
        BlockBackend over(RawFileBackend file) throws IOException;
    }

    /** Locks and opens disk {@code index}; its lock and back end are this object's to close (the lock is released if the open fails). */
    private BlockBackend openDisk(int index, MachineSpec.DiskSpec s, CopyOnWrite cow) {
        AutoCloseable lock = DiskLock.acquire(index, s);
        BlockBackend backend;
        try {
            RawFileBackend file = RawFileBackend.open(s.path(), !s.writesFile());
            try {
                backend = s.copyOnWrite() ? cow.over(file) : file;
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        } catch (IOException e) {
            closeQuietly(lock);
            throw new IllegalArgumentException("disk " + (index + 1) + ": " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
        owned.add(lock);
        owned.add(backend);
        diskLocks.put(backend, lock);
        return backend;
    }

    /** Closes a disk {@link #openDisk} opened (its back end, then its lock) and forgets it. */
    private void closeDisk(BlockBackend backend) {
        AutoCloseable lock = diskLocks.remove(backend);
        for (AutoCloseable c : new AutoCloseable[] {backend, lock}) {
            owned.remove(c);
            try {
                c.close();
            } catch (Exception e) {
                // the file is no longer used: nothing more to do with a failure here
            }
        }
    }

    /**
     * Opens {@code path} with disk {@code index}'s read-only and copy-on-write settings (locked as at boot) and
     * puts it behind that disk's device, then closes the disk's old file and lock. Firecracker's PATCH /drives.
     * A copy-on-write disk gets a new, empty overlay over the new file. Precondition: the machine is paused
     * (no vCPU reads the device's configuration, the I/O thread processes no queue). A refusal (no such
     * disk, the file cannot be opened or locked, or is already a written disk of this machine) changes nothing.
     *
     * @return the disk's new size in bytes
     */
    long replaceDisk(int index, Path path) {
        int slot = -1;
        int disks = 0;
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i) instanceof Slot.Disk && disks++ == index) {
                slot = i;
            }
        }
        if (index < 0 || slot < 0) {
            throw new IllegalArgumentException("disk " + index + ": no such disk (the machine has " + disks + ")");
        }
        Slot.Disk old = (Slot.Disk) slots.get(slot);
        MachineSpec.DiskSpec spec = new MachineSpec.DiskSpec(path, old.spec().readOnly(), old.spec().copyOnWrite());
        int other = 0;
        for (Slot s : slots) {
            if (s instanceof Slot.Disk d && d != old && (spec.writesFile() || d.spec().writesFile())
                    && sameFile(d.spec().path(), path)) {
                throw new IllegalArgumentException("disk " + index + ": " + path + " is already disk " + other
                        + " of this machine; a file written by one disk cannot be attached twice");
            }
            other += s instanceof Slot.Disk ? 1 : 0;
        }
        BlockBackend fresh = openDisk(index, spec, file -> CopyOnWriteBackend.over(file, OVERLAY_DIR));
        try {
            ((VirtioBlock) transports.get(slot).device()).replaceBackend(fresh);
        } catch (IllegalArgumentException e) {
            closeDisk(fresh);
            throw new IllegalArgumentException("disk " + index + ": " + e.getMessage());
        }
        slots.set(slot, new Slot.Disk(spec, fresh));
        closeDisk(old.backend());
        return fresh.size();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // releasing the lock of a file that did not open: nothing more to do with a failure here
        }
    }

    /** Each device's counters by its name ("virtio-blk0", "virtio-net0", "virtio-rng0"), in slot order. */
    Map<String, VirtioCounters> counters() {
        Map<String, VirtioCounters> m = new LinkedHashMap<>();
        for (VirtioMmioTransport t : transports) {
            m.put(t.name(), t.counters());
        }
        return m;
    }

    /** Opens TAP {@code name} for network interface {@code index}; this object closes it. */
    private TapBackend openTap(int index, String name) {
        TapBackend tap;
        try {
            tap = TapBackend.open(name);
        } catch (RuntimeException e) {
            // Without root: /dev/net/tun may be closed to other users (mode 600 on some hosts; 666 is usual), and
            // TUNSETIFF answers EPERM for a TAP that does not exist or that another user owns.
            String fix = e instanceof io.jvmm.core.sys.SysCallException s && s.call().startsWith("open(")
                    ? "this user may not open /dev/net/tun: give it the usual mode (chmod 666 /dev/net/tun) or run as root"
                    : "create it beforehand for this user: ip tuntap add dev " + name + " mode tap user "
                    + System.getProperty("user.name") + "; or run as root, and jvmm creates it";
            throw new IllegalArgumentException("net " + (index + 1) + ": TAP " + name + ": " + e.getMessage() + " (" + fix + ")");
        }
        owned.add(tap);
        return tap;
    }

    /** What a slot holds besides its transport, for a snapshot. */
    private sealed interface Slot {
        record Disk(MachineSpec.DiskSpec spec, BlockBackend backend) implements Slot {
        }

        record Net(String tap) implements Slot {
        }

        record Rng() implements Slot {
        }
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
