package io.jvmm.machine.snapshot;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.core.kvm.KvmCpuid2;
import io.jvmm.core.kvm.KvmDebugregs;
import io.jvmm.core.kvm.KvmClockData;
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

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code state.json}: a snapshot's state as JSON a person can read (registers by their C names, hex;
 * XSAVE and LAPIC pages base64), versioned and checksummed:
 * <pre>
 *   { "format": "jvmm-snapshot", "version": "1.2", "checksum": "sha256:…",
 *     "machine": { "cpus": 1, "irqchip": true, "summary": "…",
 *                  "memory": { "file": "memory.bin", "regions": [ {"start": "0x0", "size": "0x10000000"} ] } },
 *     "vcpus":   [ { "id": 0, "mode": "long mode, ring 3", "cpuid": [...], "mp_state": {...}, "regs": {...},
 *                    "sregs": {...}, "xsave": {...}, "xcrs": {...}, "debugregs": {...}, "lapic": {...} | null,
 *                    "msrs": [ {"index": "0x10", "data": "0x…"} ], "events": {...} } ],
 *     "vm":      { "pic_master": {...}, "pic_slave": {...}, "ioapic": {...}, "pit2": {...}, "clock": {...} } | null,
 *     "devices": [ { "name": "…", "kind": "…", "state": {...} } ] }
 * </pre>
 * The checksum is SHA-256 over the compact JSON of the document without its checksum field. A reader
 * refuses another major version and a newer minor one. Everything read is checked before it is used
 * (see {@link #read}): the file is untrusted input.
 */
public final class StateFile {
    public static final String NAME = "state.json";
    public static final String MEMORY_NAME = "memory.bin";
    public static final String FORMAT = "jvmm-snapshot";
    public static final int MAJOR = 1;
    /**
     * 1.0: the first format; 1.1: every device has a record; 1.2: the i8042's record holds its PS/2 keyboard
     * (older files are read with a keyboard at power-on: {@link DeviceRecords#upgrade}).
     */
    public static final int MINOR = 2;
    /** A state file larger than this is not one of ours (a 254-vCPU machine's is about 3 MiB). */
    static final long MAX_SIZE = 64L << 20;
    static final int MAX_CPUS = 254;
    static final int MAX_MSRS = 1024;
    static final long PAGE = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> VCPU_FIELDS = Set.of("id", "mode", "cpuid", "mp_state", "regs", "sregs", "xsave",
            "xcrs", "debugregs", "lapic", "msrs", "events");

    private StateFile() {
    }

    /**
     * Loads and links the code a snapshot's state file needs (Jackson's tree, writer and record binding,
     * SHA-256) by writing and reading a small document: a VMM that will snapshot calls it early, on a
     * thread of its own, so that the snapshot does not pay for it.
     */
    public static void warmUp() {
        try {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("format", FORMAT).putObject("machine").put("cpus", 1);
            // Every kernel struct's encoder, as a snapshot's write runs them (all zero here)
            doc.set("vcpu", vcpu(new VcpuState(0, List.of(new KvmCpuid2.Entry(0, 0, 0, 0, 0, 0, 0)),
                    new byte[(int) KvmMpState.LAYOUT.byteSize()], new byte[(int) KvmRegs.LAYOUT.byteSize()],
                    new byte[(int) KvmSregs.LAYOUT.byteSize()], new byte[(int) KvmXsave.LAYOUT.byteSize()],
                    new byte[(int) KvmXcrs.LAYOUT.byteSize()], new byte[(int) KvmDebugregs.LAYOUT.byteSize()],
                    new byte[(int) KvmLapicState.LAYOUT.byteSize()], List.of(new VcpuState.Msr(0x10, 0)),
                    new byte[(int) KvmVcpuEvents.LAYOUT.byteSize()])));
            doc.set("vm", vm(new VmState(new byte[(int) KvmIrqchip.LAYOUT.byteSize()], new byte[(int) KvmIrqchip.LAYOUT.byteSize()],
                    new byte[(int) KvmIrqchip.LAYOUT.byteSize()], new byte[(int) KvmPitState2.LAYOUT.byteSize()],
                    new byte[(int) KvmClockData.LAYOUT.byteSize()])));
            DeviceRecords.warmUp();
            checksum(JSON.readTree(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc)));
            DeviceRecords.read(DeviceRecords.record("boot-timer", DeviceRecords.BOOT_TIMER,
                    new io.jvmm.devices.legacy.BootTimerState(false, 0, 0)), io.jvmm.devices.legacy.BootTimerState.class, "warm-up");
        } catch (IOException | RuntimeException e) {
            // only a warm-up: the real snapshot reports its own errors
        }
    }

    /**
     * Loads and links what reading a state file's device records needs (Jackson's record binding of every
     * device record type): a new process that restores calls it on a thread of its own as it starts, so that
     * this overlaps reading and checking the vCPUs' state (a cold restore spends most of its time in Jackson).
     */
    public static void warmUpRestore() {
        try {
            DeviceRecords.warmUpReading();
        } catch (RuntimeException e) {
            // only a warm-up: the restore reports its own errors
        }
    }

    /** Writes {@code state} to {@code dir}/state.json (through a temporary file and a rename). */
    public static void write(Path dir, SnapshotState state) throws IOException {
        write(SnapshotFiles.in(dir), state);
    }

    /**
     * Writes {@code state} to {@code files.stateFile()} (through a temporary file and a rename); the
     * memory file is named in it for people (a restore is told which memory file to map).
     */
    public static void write(SnapshotFiles files, SnapshotState state) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("format", FORMAT);
        body.put("version", MAJOR + "." + MINOR);
        Path memory = files.memoryFile().toAbsolutePath();
        body.set("machine", machine(state.machine(),
                files.dir().equals(memory.getParent()) ? memory.getFileName().toString() : memory.toString()));
        ArrayNode vcpus = body.putArray("vcpus");
        for (VcpuState v : state.vcpus()) {
            vcpus.add(vcpu(v));
        }
        body.set("vm", state.vm() == null ? null : vm(state.vm()));
        ArrayNode devices = body.putArray("devices");
        for (SnapshotState.DeviceRecord d : state.devices()) {
            ObjectNode o = devices.addObject();
            o.put("name", d.name());
            o.put("kind", d.kind());
            o.set("state", d.state());
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("format", FORMAT);
        doc.put("version", MAJOR + "." + MINOR);
        doc.put("checksum", checksum(body));
        body.fields().forEachRemaining(e -> doc.set(e.getKey(), e.getValue()));
        Path tmp = files.stateFile().resolveSibling(files.stateFile().getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        MemoryFile.replace(files.stateFile(), tmp);
    }

    /**
     * Reads and checks {@code dir}/state.json and the size of its memory file. Every problem is one
     * {@link SnapshotException} naming the file, the record and the field.
     */
    public static SnapshotState read(Path dir) {
        return read(SnapshotFiles.in(dir));
    }

    /**
     * Reads and checks {@code files.stateFile()} and the size of {@code files.memoryFile()}. Every problem is
     * one {@link SnapshotException} naming the file, the record and the field.
     */
    public static SnapshotState read(SnapshotFiles files) {
        Path file = files.stateFile();
        String where = file.toString();
        JsonNode doc;
        try {
            long size = Files.size(file);
            if (size > MAX_SIZE) {
                throw new SnapshotException(where + ": " + size + " bytes, more than a state file can be");
            }
            doc = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new SnapshotException(where + ": no such file (is " + file.getParent() + " a snapshot directory?)");
        } catch (JsonProcessingException e) {
            throw new SnapshotException(where + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new SnapshotException(where + ": cannot read: " + e.getMessage());
        }
        try {
            SnapshotState state = parse(doc);
            checkMemoryFile(files.memoryFile(), state.machine().memoryBytes());
            return state;
        } catch (SnapshotException e) {
            throw new SnapshotException(where + ": " + e.getMessage());
        }
    }

    /**
     * The format version {@code files}' state file was written in ("1.1"), for people ({@code jvmm snapshot
     * show}); call after {@link #read(SnapshotFiles)} has accepted the file.
     */
    public static String writtenVersion(SnapshotFiles files) {
        try {
            return JSON.readTree(Files.readAllBytes(files.stateFile())).path("version").asText("?");
        } catch (IOException e) {
            throw new SnapshotException(files.stateFile() + ": cannot read: " + e.getMessage());
        }
    }

    static SnapshotState parse(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            throw new SnapshotException("not a snapshot state (expected a JSON object)");
        }
        if (!FORMAT.equals(doc.path("format").asText(null))) {
            throw new SnapshotException("format: expected \"" + FORMAT + "\", got " + doc.get("format"));
        }
        int minor = checkVersion(doc.get("version"));
        JsonNode sum = doc.get("checksum");
        String expected = checksumWithout(doc, "checksum");
        if (sum == null || !sum.isTextual() || !sum.asText().equals(expected)) {
            throw new SnapshotException("checksum: does not match the content (the file was changed or damaged)");
        }
        SnapshotState.MachineConfig machine = parseMachine(doc.get("machine"));
        JsonNode vcpus = doc.get("vcpus");
        if (vcpus == null || !vcpus.isArray() || vcpus.size() != machine.cpus()) {
            throw new SnapshotException("vcpus: expected an array of " + machine.cpus() + " vCPUs (machine.cpus)");
        }
        List<VcpuState> states = new ArrayList<>();
        for (int i = 0; i < vcpus.size(); i++) {
            states.add(parseVcpu(vcpus.get(i), i, machine.irqchip()));
        }
        JsonNode vm = doc.get("vm");
        VmState vmState = null;
        if (machine.irqchip()) {
            vmState = parseVm(vm);
        } else if (vm != null && !vm.isNull()) {
            throw new SnapshotException("vm: present, but machine.irqchip is false");
        }
        JsonNode devices = doc.get("devices");
        if (devices == null || !devices.isArray()) {
            throw new SnapshotException("devices: expected an array");
        }
        List<SnapshotState.DeviceRecord> records = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            JsonNode d = devices.get(i);
            String w = "devices[" + i + "]";
            if (!d.isObject() || !d.path("name").isTextual() || !d.path("kind").isTextual()) {
                throw new SnapshotException(w + ": expected {\"name\", \"kind\", \"state\"}");
            }
            String kind = d.get("kind").asText();
            records.add(new SnapshotState.DeviceRecord(d.get("name").asText(), kind,
                    DeviceRecords.upgrade(kind, d.get("state"), minor)));
        }
        for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("format", "version", "checksum", "machine", "vcpus", "vm", "devices").contains(f)) {
                throw new SnapshotException(f + ": unknown field");
            }
        }
        return new SnapshotState(machine, states, vmState, records);
    }

    /** Checks the file's version; returns its minor version. */
    private static int checkVersion(JsonNode v) {
        String text = v == null ? "" : v.asText("");
        if (!text.matches("[0-9]{1,4}\\.[0-9]{1,4}")) {
            throw new SnapshotException("version: expected MAJOR.MINOR, got " + v);
        }
        int major = Integer.parseInt(text.substring(0, text.indexOf('.')));
        int minor = Integer.parseInt(text.substring(text.indexOf('.') + 1));
        if (major != MAJOR) {
            throw new SnapshotException("version: " + text + " is another major version; this jvmm reads " + MAJOR + ".x");
        }
        if (minor > MINOR) {
            throw new SnapshotException("version: " + text + " is newer than this jvmm reads (up to " + MAJOR + "." + MINOR
                    + "); use a newer jvmm");
        }
        return minor;
    }

    /**
     * Checks that {@code files}' memory file is as large as {@code state}'s guest memory (a state read
     * earlier from {@code files}); returns {@code state}.
     */
    public static SnapshotState checkMemoryFile(SnapshotFiles files, SnapshotState state) {
        try {
            checkMemoryFile(files.memoryFile(), state.machine().memoryBytes());
        } catch (SnapshotException e) {
            throw new SnapshotException(files.stateFile() + ": " + e.getMessage());
        }
        return state;
    }

    static void checkMemoryFile(Path memory, long expected) {
        long size;
        try {
            size = Files.size(memory);
        } catch (NoSuchFileException e) {
            throw new SnapshotException("memory file: no such file " + memory);
        } catch (IOException e) {
            throw new SnapshotException("memory file " + memory + ": cannot read: " + e.getMessage());
        }
        if (size != expected) {
            throw new SnapshotException("memory file " + memory + ": " + size + " bytes, but guest memory is " + expected
                    + " bytes (machine.memory); the memory file is truncated or not this snapshot's");
        }
    }

    private static ObjectNode machine(SnapshotState.MachineConfig m, String memoryFile) {
        ObjectNode o = JSON.createObjectNode();
        o.put("cpus", m.cpus());
        o.put("irqchip", m.irqchip());
        o.put("summary", m.summary());
        ObjectNode mem = o.putObject("memory");
        mem.put("file", memoryFile);
        ArrayNode regions = mem.putArray("regions");
        for (VirtualMachine.RamRegion r : m.ram()) {
            ObjectNode ro = regions.addObject();
            ro.set("start", StructJson.hex(r.start().value()));
            ro.set("size", StructJson.hex(r.size()));
        }
        return o;
    }

    private static SnapshotState.MachineConfig parseMachine(JsonNode m) {
        if (m == null || !m.isObject()) {
            throw new SnapshotException("machine: expected an object");
        }
        JsonNode cpus = m.get("cpus");
        if (cpus == null || !cpus.isInt() || cpus.asInt() < 1 || cpus.asInt() > MAX_CPUS) {
            throw new SnapshotException("machine.cpus: expected 1 to " + MAX_CPUS + ", got " + cpus);
        }
        JsonNode irqchip = m.get("irqchip");
        if (irqchip == null || !irqchip.isBoolean()) {
            throw new SnapshotException("machine.irqchip: expected true or false, got " + irqchip);
        }
        JsonNode regions = m.path("memory").get("regions");
        if (!m.path("memory").path("file").isTextual()) {
            throw new SnapshotException("machine.memory.file: expected the memory file's name");
        }
        if (regions == null || !regions.isArray() || regions.isEmpty() || regions.size() > 8) {
            throw new SnapshotException("machine.memory.regions: expected 1 to 8 regions");
        }
        List<VirtualMachine.RamRegion> ram = new ArrayList<>();
        long end = 0;
        long total = 0;
        for (int i = 0; i < regions.size(); i++) {
            String w = "machine.memory.regions[" + i + "]";
            long start = StructJson.hex(regions.get(i).get("start"), 8, w + ".start");
            long size = StructJson.hex(regions.get(i).get("size"), 8, w + ".size");
            if (start % PAGE != 0 || size % PAGE != 0 || size == 0) {
                throw new SnapshotException(w + ": start and size must be whole, non-empty 4 KiB pages");
            }
            if (Long.compareUnsigned(start, end) < 0 || start + size < start || (start >>> 52) != 0) {
                throw new SnapshotException(w + ": overlaps the previous region or lies outside the physical address space");
            }
            total += size;
            if (total < 0 || total > (1L << 40)) {
                throw new SnapshotException(w + ".size: guest memory larger than 1 TiB");
            }
            end = start + size;
            ram.add(new VirtualMachine.RamRegion(GuestAddress.of(start), size));
        }
        return new SnapshotState.MachineConfig(cpus.asInt(), irqchip.asBoolean(), ram, m.path("summary").asText(""));
    }

    private static ObjectNode vcpu(VcpuState v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", v.id());
        o.put("mode", mode(v.sregs()));
        ArrayNode cpuid = o.putArray("cpuid");
        for (KvmCpuid2.Entry e : v.cpuid()) {
            ObjectNode c = cpuid.addObject();
            c.set("function", StructJson.hex(Integer.toUnsignedLong(e.function())));
            c.set("index", StructJson.hex(Integer.toUnsignedLong(e.index())));
            c.set("flags", StructJson.hex(Integer.toUnsignedLong(e.flags())));
            c.set("eax", StructJson.hex(Integer.toUnsignedLong(e.eax())));
            c.set("ebx", StructJson.hex(Integer.toUnsignedLong(e.ebx())));
            c.set("ecx", StructJson.hex(Integer.toUnsignedLong(e.ecx())));
            c.set("edx", StructJson.hex(Integer.toUnsignedLong(e.edx())));
        }
        o.set("mp_state", StructJson.encode(KvmMpState.LAYOUT, v.mpState()));
        o.set("regs", StructJson.encode(KvmRegs.LAYOUT, v.regs()));
        o.set("sregs", StructJson.encode(KvmSregs.LAYOUT, v.sregs()));
        o.set("xsave", StructJson.encode(KvmXsave.LAYOUT, v.xsave()));
        o.set("xcrs", StructJson.encode(KvmXcrs.LAYOUT, v.xcrs()));
        o.set("debugregs", StructJson.encode(KvmDebugregs.LAYOUT, v.debugregs()));
        o.set("lapic", v.lapic() == null ? null : StructJson.encode(KvmLapicState.LAYOUT, v.lapic()));
        ArrayNode msrs = o.putArray("msrs");
        for (VcpuState.Msr m : v.msrs()) {
            ObjectNode mo = msrs.addObject();
            mo.set("index", StructJson.hex(Integer.toUnsignedLong(m.index())));
            mo.set("data", StructJson.hex(m.data()));
        }
        o.set("events", StructJson.encode(KvmVcpuEvents.LAYOUT, v.events()));
        return o;
    }

    private static VcpuState parseVcpu(JsonNode o, int i, boolean irqchip) {
        String w = "vcpu " + i;
        if (o == null || !o.isObject()) {
            throw new SnapshotException(w + ": expected an object");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!VCPU_FIELDS.contains(f)) {
                throw new SnapshotException(w + ": " + f + ": unknown field");
            }
        }
        if (!o.path("id").isInt() || o.get("id").asInt() != i) {
            throw new SnapshotException(w + ": id: expected " + i + ", got " + o.get("id"));
        }
        JsonNode cpuid = o.get("cpuid");
        if (cpuid == null || !cpuid.isArray() || cpuid.size() > KvmCpuid2.MAX_ENTRIES) {
            throw new SnapshotException(w + ": cpuid: expected an array of at most " + KvmCpuid2.MAX_ENTRIES + " entries");
        }
        List<KvmCpuid2.Entry> entries = new ArrayList<>();
        for (int k = 0; k < cpuid.size(); k++) {
            byte[] e = StructJson.decode(CPUID_JSON, cpuid.get(k), w + ": cpuid[" + k + "]");
            MemorySegment s = MemorySegment.ofArray(e);
            entries.add(new KvmCpuid2.Entry(s.get(U32, 0), s.get(U32, 4), s.get(U32, 8), s.get(U32, 12),
                    s.get(U32, 16), s.get(U32, 20), s.get(U32, 24)));
        }
        byte[] mp = StructJson.decode(KvmMpState.LAYOUT, o.get("mp_state"), w + ": mp_state");
        int mpState = MemorySegment.ofArray(mp).get(U32, 0);
        if (mpState < 0 || mpState > KvmMpState.KVM_MP_STATE_SIPI_RECEIVED) {
            throw new SnapshotException(w + ": mp_state.mp_state: " + mpState + " is not a KVM_MP_STATE this jvmm restores");
        }
        byte[] lapic = null;
        if (irqchip) {
            lapic = StructJson.decode(KvmLapicState.LAYOUT, o.get("lapic"), w + ": lapic");
        } else if (o.get("lapic") != null && !o.get("lapic").isNull()) {
            throw new SnapshotException(w + ": lapic: present, but machine.irqchip is false");
        }
        JsonNode msrs = o.get("msrs");
        if (msrs == null || !msrs.isArray() || msrs.size() > MAX_MSRS) {
            throw new SnapshotException(w + ": msrs: expected an array of at most " + MAX_MSRS);
        }
        List<VcpuState.Msr> list = new ArrayList<>();
        for (int k = 0; k < msrs.size(); k++) {
            String mw = w + ": msrs[" + k + "]";
            list.add(new VcpuState.Msr((int) StructJson.hex(msrs.get(k).get("index"), 4, mw + ".index"),
                    StructJson.hex(msrs.get(k).get("data"), 8, mw + ".data")));
        }
        return new VcpuState(i, entries, mp,
                StructJson.decode(KvmRegs.LAYOUT, o.get("regs"), w + ": regs"),
                StructJson.decode(KvmSregs.LAYOUT, o.get("sregs"), w + ": sregs"),
                StructJson.decode(KvmXsave.LAYOUT, o.get("xsave"), w + ": xsave"),
                StructJson.decode(KvmXcrs.LAYOUT, o.get("xcrs"), w + ": xcrs"),
                StructJson.decode(KvmDebugregs.LAYOUT, o.get("debugregs"), w + ": debugregs"),
                lapic, list,
                StructJson.decode(KvmVcpuEvents.LAYOUT, o.get("events"), w + ": events"));
    }

    private static ObjectNode vm(VmState v) {
        ObjectNode o = JSON.createObjectNode();
        o.set("pic_master", StructJson.encode(KvmIrqchip.LAYOUT, v.picMaster()));
        o.set("pic_slave", StructJson.encode(KvmIrqchip.LAYOUT, v.picSlave()));
        o.set("ioapic", StructJson.encode(KvmIrqchip.LAYOUT, v.ioapic()));
        o.set("pit2", StructJson.encode(KvmPitState2.LAYOUT, v.pit2()));
        o.set("clock", StructJson.encode(KvmClockData.LAYOUT, v.clock()));
        return o;
    }

    private static VmState parseVm(JsonNode o) {
        if (o == null || !o.isObject()) {
            throw new SnapshotException("vm: expected an object (machine.irqchip is true)");
        }
        byte[][] chips = new byte[3][];
        String[] names = {"pic_master", "pic_slave", "ioapic"};
        for (int c = 0; c < 3; c++) {
            chips[c] = StructJson.decode(KvmIrqchip.LAYOUT, o.get(names[c]), "vm." + names[c]);
            int id = MemorySegment.ofArray(chips[c]).get(U32, 0);
            if (id != c) {
                throw new SnapshotException("vm." + names[c] + ".chip_id: expected " + c + ", got " + id);
            }
        }
        return new VmState(chips[0], chips[1], chips[2],
                StructJson.decode(KvmPitState2.LAYOUT, o.get("pit2"), "vm.pit2"),
                StructJson.decode(KvmClockData.LAYOUT, o.get("clock"), "vm.clock"));
    }

    /** "real mode", "protected mode, ring 0", "long mode, ring 3": for people reading the file. */
    public static String mode(byte[] sregs) {
        MemorySegment s = MemorySegment.ofArray(sregs);
        long cr0 = s.get(U64, KvmSregs.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("cr0")));
        long efer = s.get(U64, KvmSregs.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("efer")));
        long dpl = s.get(ValueLayout.JAVA_BYTE, KvmSregs.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("cs"),
                MemoryLayout.PathElement.groupElement("dpl")));
        if ((cr0 & 1) == 0) {
            return "real mode";
        }
        return ((efer & (1 << 10)) != 0 ? "long mode" : "protected mode") + ", ring " + dpl; // EFER.LMA
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** A CPUID entry in the state file: KvmCpuid2.ENTRY without its padding. */
    private static final java.lang.foreign.GroupLayout CPUID_JSON = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("function"), ValueLayout.JAVA_INT.withName("index"),
            ValueLayout.JAVA_INT.withName("flags"), ValueLayout.JAVA_INT.withName("eax"),
            ValueLayout.JAVA_INT.withName("ebx"), ValueLayout.JAVA_INT.withName("ecx"),
            ValueLayout.JAVA_INT.withName("edx"));

    /**
     * {@link #checksum} of {@code doc} without its field {@code left} (the same compact bytes), written with
     * jackson-core's generator walking the tree: no copy of the document, and a restore in a new process
     * does not load databind's serializers for it.
     */
    static String checksumWithout(JsonNode doc, String left) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (JsonGenerator g = JSON.getFactory().createGenerator(new DigestOutputStream(OutputStream.nullOutputStream(), sha))) {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : doc.properties()) {
                    if (!e.getKey().equals(left)) {
                        g.writeFieldName(e.getKey());
                        writeCompact(g, e.getValue());
                    }
                }
                g.writeEndObject();
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tree read from a state file: objects, arrays, strings, numbers, booleans and nulls (no binary or POJO nodes). */
    private static void writeCompact(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    writeCompact(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) {
                    writeCompact(g, e);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case DOUBLE -> g.writeNumber(n.doubleValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                }
            }
            case BINARY, POJO -> throw new IllegalArgumentException("no " + n.getNodeType() + " node in a state file tree");
        }
    }

    static String checksum(JsonNode body) {
        try {
            byte[] compact = JSON.writeValueAsBytes(body);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compact));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
