package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.core.kvm.KvmClockData;
import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.kvm.KvmDebugregs;
import io.jvmm.core.kvm.KvmIrqchip;
import io.jvmm.core.kvm.KvmLapicState;
import io.jvmm.core.kvm.KvmMpState;
import io.jvmm.core.kvm.KvmPitState2;
import io.jvmm.core.kvm.KvmRegs;
import io.jvmm.core.kvm.KvmSregs;
import io.jvmm.core.kvm.KvmVcpuEvents;
import io.jvmm.core.kvm.KvmXcrs;
import io.jvmm.core.kvm.KvmXsave;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.vm.VirtualMachine;
import io.jvmm.devices.legacy.I8042State;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** state.json is untrusted input: each kind of damage is one line naming the field; a good one reads back equal. */
class StateFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long MEMORY = 1L << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void writeAGoodSnapshot() throws Exception {
        StateFile.write(dir, state());
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(StateFile.MEMORY_NAME).toFile(), "rw")) {
            f.setLength(MEMORY);
        }
    }

    static SnapshotState state() {
        byte[] regs = new byte[(int) KvmRegs.LAYOUT.byteSize()];
        regs[KvmRegs.Reg.rip.ordinal() * 8] = 0x10;
        byte[] chip = new byte[(int) KvmIrqchip.LAYOUT.byteSize()];
        byte[] slave = chip.clone();
        slave[0] = 1;
        byte[] ioapic = chip.clone();
        ioapic[0] = 2;
        VcpuState v = new VcpuState(0, List.of(new KvmCpuid2.Entry(0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65)),
                size(KvmMpState.LAYOUT.byteSize()), regs, size(KvmSregs.LAYOUT.byteSize()), size(KvmXsave.SIZE),
                size(KvmXcrs.LAYOUT.byteSize()), size(KvmDebugregs.LAYOUT.byteSize()), size(KvmLapicState.SIZE),
                List.of(new VcpuState.Msr(0x10, -1L), new VcpuState.Msr(0xc0000080, 0xd01)),
                size(KvmVcpuEvents.LAYOUT.byteSize()));
        VmState vm = new VmState(chip, slave, ioapic, size(KvmPitState2.LAYOUT.byteSize()), size(KvmClockData.LAYOUT.byteSize()));
        var config = new SnapshotState.MachineConfig(1, true,
                List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), MEMORY)), "test");
        return new SnapshotState(config, List.of(v), vm, List.of());
    }

    private static byte[] size(long n) {
        return new byte[(int) n];
    }

    @Test
    void aGoodStateFileReadsBackEqual() {
        SnapshotState read = StateFile.read(dir);
        SnapshotState written = state();
        VcpuState a = read.vcpus().get(0);
        VcpuState b = written.vcpus().get(0);
        assertArrayEquals(b.regs(), a.regs());
        assertArrayEquals(b.sregs(), a.sregs());
        assertArrayEquals(b.xsave(), a.xsave());
        assertArrayEquals(b.lapic(), a.lapic());
        assertArrayEquals(b.events(), a.events());
        assertEquals(b.msrs(), a.msrs());
        assertEquals(b.cpuid(), a.cpuid());
        assertArrayEquals(written.vm().ioapic(), read.vm().ioapic());
        assertEquals(written.machine(), read.machine());
        assertEquals(0x10, a.reg(KvmRegs.Reg.rip));
    }

    @Test
    void aChangedValueBreaksTheChecksum() throws Exception {
        Path f = dir.resolve(StateFile.NAME);
        String text = Files.readString(f);
        assertTrue(text.contains("\"rip\" : \"0x10\""), text.substring(0, 200));
        Files.writeString(f, text.replace("\"rip\" : \"0x10\"", "\"rip\" : \"0x11\""));
        refused("checksum: does not match the content");
    }

    @Test
    void anotherMajorOrANewerMinorVersionIsRefused() throws Exception {
        edit(doc -> doc.put("version", "2.0"), false);
        refused("version: 2.0 is another major version");
        edit(doc -> doc.put("version", "1.3"), false);
        refused("version: 1.3 is newer than this jvmm reads");
    }

    @Test
    void anI8042RecordWithoutItsKeyboardReadsAsAKeyboardAtPowerOnOnlyBeforeVersion12() throws Exception {
        I8042State saved = new I8042State(0x47, 0x03, -1, false, 0, List.of(), I8042State.Keyboard.atPowerOn());
        ObjectNode i8042 = JSON.valueToTree(saved);
        i8042.remove("keyboard");
        Consumer<ObjectNode> asWrittenBy11 = doc -> {
            doc.put("version", "1.1");
            doc.putArray("devices").addObject().put("name", "i8042").put("kind", DeviceRecords.I8042).set("state", i8042);
        };
        edit(asWrittenBy11, true);
        SnapshotState read = StateFile.read(dir);
        assertEquals(saved, DeviceRecords.read(read.devices().get(0), I8042State.class, "i8042"));

        edit(asWrittenBy11.andThen(doc -> doc.put("version", "1.2")), true);
        SnapshotState current = StateFile.read(dir);
        SnapshotException e = assertThrows(SnapshotException.class,
                () -> DeviceRecords.read(current.devices().get(0), I8042State.class, "i8042"));
        assertTrue(e.getMessage().contains("keyboard"), e.getMessage());
    }

    @Test
    void outOfRangeFieldsAreRefusedByName() throws Exception {
        edit(doc -> ((ObjectNode) doc.get("vcpus").get(0).get("sregs").get("cs")).put("type", "0x1ff"), true);
        refused("vcpu 0: sregs.cs.type: 0x1ff does not fit in 8 bits");
        edit(doc -> ((ObjectNode) doc.get("vcpus").get(0).get("mp_state")).put("mp_state", "0x9"), true);
        refused("vcpu 0: mp_state.mp_state: 9 is not a KVM_MP_STATE");
        edit(doc -> ((ObjectNode) doc.get("vcpus").get(0).get("xsave")).put("region", "AAAA"), true);
        refused("vcpu 0: xsave.region: 3 bytes, expected 4096");
        edit(doc -> ((ObjectNode) doc.get("machine")).put("cpus", 2), true);
        refused("vcpus: expected an array of 2 vCPUs");
        edit(doc -> ((ObjectNode) doc.get("vcpus").get(0).get("regs")).remove("rax"), true);
        refused("vcpu 0: regs.rax: missing");
        edit(doc -> ((ObjectNode) doc.get("vm").get("ioapic")).put("chip_id", "0x0"), true);
        refused("vm.ioapic.chip_id: expected 2, got 0");
        edit(doc -> ((ObjectNode) doc.get("machine").get("memory").get("regions").get(0)).put("size", "0x1001"), true);
        refused("machine.memory.regions[0]: start and size must be whole, non-empty 4 KiB pages");
    }

    @Test
    void aMemoryFileOfTheWrongSizeIsRefused() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(StateFile.MEMORY_NAME).toFile(), "rw")) {
            f.setLength(MEMORY - 4096);
        }
        refused("memory.bin: 1044480 bytes, but guest memory is 1048576 bytes");
        Files.delete(dir.resolve(StateFile.MEMORY_NAME));
        refused("memory file: no such file");
    }

    @Test
    void notJsonOrNoFileIsOneLine() throws Exception {
        Files.writeString(dir.resolve(StateFile.NAME), "{\"format\": ");
        refused("not valid JSON");
        Files.delete(dir.resolve(StateFile.NAME));
        refused("no such file");
    }

    /** Edits the document; with {@code reseal} the checksum is recomputed (a forged but consistent file). */
    private void edit(Consumer<ObjectNode> change, boolean reseal) throws Exception {
        StateFile.write(dir, state());
        Path f = dir.resolve(StateFile.NAME);
        ObjectNode doc = (ObjectNode) JSON.readTree(Files.readAllBytes(f));
        change.accept(doc);
        if (reseal) {
            ObjectNode body = doc.deepCopy();
            body.remove("checksum");
            doc.put("checksum", StateFile.checksum(body));
        }
        Files.write(f, JSON.writeValueAsBytes(doc));
    }

    private void refused(String expected) {
        SnapshotException e = assertThrows(SnapshotException.class, () -> StateFile.read(dir));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve(StateFile.NAME).toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
