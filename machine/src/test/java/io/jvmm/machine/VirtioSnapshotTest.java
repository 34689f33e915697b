package io.jvmm.machine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.machine.snapshot.DeviceRecords;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotException;
import io.jvmm.machine.snapshot.SnapshotFiles;
import io.jvmm.machine.snapshot.SnapshotState;
import io.jvmm.machine.snapshot.VirtioRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio devices' records in a snapshot, without KVM: save → JSON → restore → save gives the same
 * records; the disks are opened again with their locks (a disk written in place cannot be restored twice
 * at once); a record that does not fit is one error naming it.
 */
class VirtioSnapshotTest {
    static final long RAM = 64L << 20;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private FakeWiring wiring() {
        FakeWiring w = new FakeWiring(RAM);
        open.add(w);
        return w;
    }

    private Path file(String name, int size) throws Exception {
        return Files.write(dir.resolve(name), new byte[size]);
    }

    private VirtioDevices attached() throws Exception {
        MachineSpec spec = MachineSpec.builder()
                .kernel(Files.write(dir.resolve("vmlinux"), TestKernels.elfPvh()))
                .memoryBytes(RAM)
                .disk(new MachineSpec.DiskSpec(file("root.img", 1 << 20), false, true)) // copy-on-write
                .disk(file("data.img", 1 << 20), false)                                 // written in place
                .disk(file("ro.img", 1 << 19), true)
                .rng(true)
                .cpuProfile(CpuProfile.HARDWARE)
                .build();
        VirtioDevices d = VirtioDevices.attach(wiring(), spec);
        open.add(d);
        return d;
    }

    /** The records as the state file carries them: JSON, then read back as a restore reads them. */
    private static List<VirtioDevices.Saved> throughJson(List<VirtioDevices.VirtioRecordOut> out) {
        List<VirtioDevices.Saved> saved = new ArrayList<>();
        for (VirtioDevices.VirtioRecordOut o : out) {
            SnapshotState.DeviceRecord r = DeviceRecords.record(o.name(), kind(o.record()), o.record());
            saved.add(new VirtioDevices.Saved(o.name(), "devices (" + o.name() + ")",
                    DeviceRecords.read(r, o.record().getClass(), o.name())));
        }
        return saved;
    }

    private static String kind(VirtioRecord r) {
        return switch (r) {
            case VirtioRecord.Block b -> DeviceRecords.VIRTIO_BLK;
            case VirtioRecord.Net n -> DeviceRecords.VIRTIO_NET;
            case VirtioRecord.Rng g -> DeviceRecords.VIRTIO_RNG;
        };
    }

    private static List<JsonNode> json(List<VirtioDevices.VirtioRecordOut> out) {
        return out.stream().map(o -> DeviceRecords.record(o.name(), kind(o.record()), o.record()).state()).toList();
    }

    @Test
    void saveRestoreSaveGivesTheSameRecords() throws Exception {
        SnapshotFiles files = SnapshotFiles.in(Files.createDirectories(dir.resolve("snap")));
        VirtioDevices first = attached();
        List<VirtioDevices.VirtioRecordOut> saved = first.records(files);
        assertEquals(List.of("virtio-blk0", "virtio-blk1", "virtio-blk2", "virtio-rng0"),
                saved.stream().map(VirtioDevices.VirtioRecordOut::name).toList());
        VirtioRecord.Block root = (VirtioRecord.Block) saved.getFirst().record();
        assertEquals(VirtioRecord.Block.COPY_ON_WRITE, root.mode());
        assertEquals("state.virtio-blk0.overlay", root.overlay().file());
        assertTrue(Files.isRegularFile(files.overlayFile("virtio-blk0")));
        assertEquals(VirtioRecord.Block.READ_WRITE, ((VirtioRecord.Block) saved.get(1).record()).mode());
        assertEquals(VirtioRecord.Block.READ_ONLY, ((VirtioRecord.Block) saved.get(2).record()).mode());

        // The disk written in place is locked by the first machine: a second cannot have it.
        SnapshotException locked = assertThrows(SnapshotException.class,
                () -> VirtioDevices.restore(wiring(), throughJson(saved), files, RestoreOptions.NONE));
        assertTrue(locked.getMessage().contains("data.img is locked by another process"), locked.getMessage());

        // With its own copy of that disk, a clone restores beside the first machine, with the same records.
        Path copy = Files.copy(dir.resolve("data.img"), dir.resolve("data-clone.img"));
        FakeWiring w = wiring();
        VirtioDevices clone = VirtioDevices.restore(w, throughJson(saved), files,
                new RestoreOptions(List.of(dir.resolve("root.img"), copy), List.of()));
        open.add(clone);
        assertEquals(List.of(5, 6, 7, 8), List.of(w.gsiOf("virtio-blk0"), w.gsiOf("virtio-blk1"), w.gsiOf("virtio-blk2"),
                w.gsiOf("virtio-rng0")));
        SnapshotFiles again = SnapshotFiles.in(Files.createDirectories(dir.resolve("again")));
        List<JsonNode> before = json(saved);
        List<JsonNode> after = json(clone.records(again));
        ((ObjectNode) before.get(1)).put("path", copy.toAbsolutePath().toString()); // the override, as asked
        assertEquals(before, after);
    }

    @Test
    void aRecordThatDoesNotFitIsOneErrorNamingIt() throws Exception {
        SnapshotFiles files = SnapshotFiles.in(Files.createDirectories(dir.resolve("snap")));
        List<VirtioDevices.VirtioRecordOut> saved = attached().records(files);
        close(); // release the disks' locks
        open.clear();

        assertRefused(saved, "slot 3, but it is virtio device 0", l -> l.set(0, blockWith(l.get(0), b ->
                new VirtioRecord.Block(3, b.path(), b.mode(), b.overlay(), b.device(), b.transport()))));
        assertRefused(saved, "mode: expected read-only, read-write or copy-on-write", l -> l.set(1, blockWith(l.get(1), b ->
                new VirtioRecord.Block(b.slot(), b.path(), "sometimes", b.overlay(), b.device(), b.transport()))));
        assertRefused(saved, "'../state.virtio-blk0.overlay' is not a file name", l -> l.set(0, blockWith(l.get(0), b ->
                new VirtioRecord.Block(b.slot(), b.path(), b.mode(), new VirtioRecord.Overlay("../" + b.overlay().file(),
                        b.overlay().clusters()), b.device(), b.transport()))));
        assertRefused(saved, "overlay: only a copy-on-write disk has one", l -> l.set(2, blockWith(l.get(2), b ->
                new VirtioRecord.Block(b.slot(), b.path(), b.mode(), new VirtioRecord.Overlay("x", List.of()), b.device(),
                        b.transport()))));
        assertRefused(saved, "gone.img: cannot open for writing", l -> l.set(1, blockWith(l.get(1), b ->
                new VirtioRecord.Block(b.slot(), dir.resolve("gone.img").toString(), b.mode(), null, b.device(), b.transport()))));
        Files.write(dir.resolve("small.img"), new byte[4096]);
        assertRefused(saved, "the disk changed since the snapshot", l -> l.set(1, blockWith(l.get(1), b ->
                new VirtioRecord.Block(b.slot(), dir.resolve("small.img").toString(), b.mode(), null, b.device(), b.transport()))));

        SnapshotException tooMany = assertThrows(SnapshotException.class, () -> VirtioDevices.restore(wiring(),
                throughJson(saved), files, new RestoreOptions(List.of(), List.of("tap0"))));
        assertEquals("1 TAPs given for the restore, but the snapshot has 0 network interfaces", tooMany.getMessage());

        // A field the record does not have, or one that is missing, as the state file's JSON would carry it.
        VirtioDevices.VirtioRecordOut rng = saved.get(3);
        ObjectNode extra = (ObjectNode) DeviceRecords.record(rng.name(), DeviceRecords.VIRTIO_RNG, rng.record()).state();
        ((ObjectNode) extra.get("transport")).put("queueSelect", 1);
        SnapshotException e = assertThrows(SnapshotException.class, () -> DeviceRecords.read(
                new SnapshotState.DeviceRecord("virtio-rng0", DeviceRecords.VIRTIO_RNG, extra), VirtioRecord.Rng.class, "rng"));
        assertTrue(e.getMessage().startsWith("rng: state.transport.queueSelect: "), e.getMessage());
        extra.remove("device");
        ((ObjectNode) extra.get("transport")).remove("queueSelect");
        e = assertThrows(SnapshotException.class, () -> DeviceRecords.read(
                new SnapshotState.DeviceRecord("virtio-rng0", DeviceRecords.VIRTIO_RNG, extra), VirtioRecord.Rng.class, "rng"));
        assertTrue(e.getMessage().startsWith("rng: state") && e.getMessage().contains("device"), e.getMessage());
    }

    private static VirtioDevices.VirtioRecordOut blockWith(VirtioDevices.VirtioRecordOut o,
                                                          java.util.function.UnaryOperator<VirtioRecord.Block> change) {
        return new VirtioDevices.VirtioRecordOut(o.name(), change.apply((VirtioRecord.Block) o.record()));
    }

    private void assertRefused(List<VirtioDevices.VirtioRecordOut> saved, String expected,
                               Consumer<List<VirtioDevices.VirtioRecordOut>> tamper) {
        List<VirtioDevices.VirtioRecordOut> copy = new ArrayList<>(saved);
        tamper.accept(copy);
        SnapshotFiles files = SnapshotFiles.in(dir.resolve("snap"));
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> VirtioDevices.restore(wiring(), throughJson(copy), files, RestoreOptions.NONE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
