package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.virtio.blk.MemoryBlockBackend;
import io.jvmm.devices.virtio.blk.VirtioBlock;
import io.jvmm.devices.virtio.net.InMemoryNetBackend;
import io.jvmm.devices.virtio.net.VirtioNet;
import io.jvmm.devices.virtio.rng.VirtioRng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The guest as an adversary, generated: random descriptor tables (addresses in memory, across its end,
 * in the hole between regions, anywhere in 2^64; lengths 0 to 2^32-1; any flags, next indexes and
 * indirect tables, nested or looping), random available rings and indexes, random queue sizes and
 * ring placements, random register writes of any width (resets included) and random back-end input,
 * against every device. Each input must leave no exception escaping the device, no byte written
 * outside guest memory (guard bands), no access the device had not checked first
 * (UNCHECKED_MEMORY_FAULT), no device bug (INTERNAL_ERROR), no back-end request outside the image, and
 * must terminate (the test's timeout).
 *
 * <p>The seed is printed; {@code -Djvmm.fuzz.seed=N} replays a run, {@code -Djvmm.fuzz.inputs=N}
 * changes the number of inputs (default 120 000).
 */
@Tag("fuzz")
class VirtioFuzzTest {
    private static final long REGION_A = 0;
    private static final long SIZE_A = 64 << 10;
    private static final long REGION_B = 128 << 10;
    private static final long SIZE_B = 64 << 10;

    private final long seed = Long.getLong("jvmm.fuzz.seed", System.nanoTime());
    private final int inputs = Integer.getInteger("jvmm.fuzz.inputs", 120_000);

    /** One device under fuzz with its transport, reused across inputs (each input starts with a reset). */
    private record Target(String name, VirtioDevice device, VirtioMmioTransport transport, VirtioTestDriver driver,
                          MemoryBlockBackend disk, InMemoryNetBackend nic) {
    }

    private long usedTotal;
    private int needsResetInputs;
    private int cleanInputs;

    @Test
    void randomGuestsNeverBreakTheDevices() {
        // Preemptive: a device stuck in a loop ignores interrupts; the fuzz runs in a daemon thread
        // that is abandoned when the time is up, and the test fails.
        assertTimeoutPreemptively(Duration.ofSeconds(120), this::fuzz, "processing did not terminate");
    }

    private void fuzz() {
        System.out.println("VirtioFuzzTest: seed " + seed + ", " + inputs + " inputs");
        try (GuardedGuestMemory guest = new GuardedGuestMemory(REGION_A, SIZE_A, REGION_B, SIZE_B)) {
            GuestMemory mem = guest.memory();
            AtomicInteger irqs = new AtomicInteger();
            MemoryBlockBackend disk = new MemoryBlockBackend(16 * 512, false);
            MemoryBlockBackend roDisk = new MemoryBlockBackend(8 * 512, true);
            InMemoryNetBackend nic = new InMemoryNetBackend(false);
            InMemoryNetBackend vnetNic = new InMemoryNetBackend(true);
            List<Target> targets = List.of(
                    target("recording", new RecordingDevice(), mem, irqs, null, null),
                    target("blk", new VirtioBlock(disk, "fuzz"), mem, irqs, disk, null),
                    target("blk-ro", new VirtioBlock(roDisk, "fuzz-ro"), mem, irqs, roDisk, null),
                    target("net", new VirtioNet(nic, null, false), mem, irqs, null, nic),
                    target("net-vnet", new VirtioNet(vnetNic, null, true), mem, irqs, null, vnetNic),
                    target("rng", new VirtioRng(new Random(seed)), mem, irqs, null, null));
            SplittableRandom seeds = new SplittableRandom(seed);
            for (int i = 0; i < inputs; i++) {
                long inputSeed = seeds.nextLong();
                Target t = targets.get(i % targets.size());
                try {
                    runOne(t, mem, new SplittableRandom(inputSeed));
                } catch (Throwable e) {
                    fail(t.name() + ": input " + i + " (seed " + seed + ", input seed " + inputSeed + ") threw", e);
                }
                if (!guest.guardsIntact()) {
                    fail(t.name() + ": input " + i + " (input seed " + inputSeed + ") wrote outside guest memory");
                }
            }
            for (Target t : targets) {
                VirtioCounters c = t.device().counters();
                usedTotal += c.get(VirtioCounters.Counter.USED_BUFFERS);
                assertEquals(0, c.get(VirtioCounters.Counter.UNCHECKED_MEMORY_FAULT), t.name() + " " + c);
                assertEquals(0, c.get(VirtioCounters.Counter.INTERNAL_ERROR), t.name() + " " + c);
                System.out.println("VirtioFuzzTest: " + t.name() + " " + c);
            }
            assertEquals(0, disk.outOfRange + roDisk.outOfRange, "back end asked for bytes outside the image");
            assertEquals(0, roDisk.writes);
            System.out.println("VirtioFuzzTest: " + usedTotal + " chains completed, " + cleanInputs
                    + " inputs without and " + needsResetInputs + " with DEVICE_NEEDS_RESET");
            // The generator must reach both the request paths and the error paths, or it tests little.
            assertTrue(usedTotal > inputs / 2, "too few requests completed: " + usedTotal);
            assertTrue(cleanInputs > inputs / 10 && needsResetInputs > inputs / 10,
                    cleanInputs + " clean / " + needsResetInputs + " needs-reset inputs");
        }
    }

    private static Target target(String name, VirtioDevice device, GuestMemory mem, AtomicInteger irqs,
                                 MemoryBlockBackend disk, InMemoryNetBackend nic) {
        VirtioMmioTransport t = new VirtioMmioTransport(name, device, mem, irqs::incrementAndGet);
        return new Target(name, device, t, new VirtioTestDriver(t, mem, irqs, 0), disk, nic);
    }

    private void runOne(Target t, GuestMemory mem, SplittableRandom r) {
        VirtioTestDriver d = t.driver();
        VirtioDevice device = t.device();
        // A negotiation that mostly succeeds, with any subset of the offered features.
        long offered = d.deviceFeatures();
        long wanted = r.nextInt(20) == 0 ? r.nextLong() : (offered & r.nextLong()) | bit(VIRTIO_F_VERSION_1);
        d.negotiate(wanted);
        boolean indirect = has(wanted, VIRTIO_RING_F_INDIRECT_DESC);
        int queues = device.queueCount();
        int[] sizes = new int[queues];
        long[] descs = new long[queues];
        long[] avails = new long[queues];
        long[] useds = new long[queues];
        for (int q = 0; q < queues; q++) {
            int max = device.queueMaxSize(q);
            sizes[q] = r.nextInt(50) == 0 ? r.nextInt() : 1 << r.nextInt(Integer.numberOfTrailingZeros(max) + 1);
            int size = Math.max(1, Math.min(sizes[q], max));
            descs[q] = ringAddress(r, 16, 16L * size);
            avails[q] = ringAddress(r, 2, 6 + 2L * size);
            useds[q] = ringAddress(r, 4, 6 + 8L * size);
            if (r.nextInt(20) != 0) {
                d.configureQueue(q, sizes[q], descs[q], avails[q], useds[q]);
            }
        }
        d.driverOk();
        int steps = 1 + r.nextInt(4);
        for (int s = 0; s < steps; s++) {
            for (int q = 0; q < queues; q++) {
                int size = Math.max(1, Math.min(sizes[q], device.queueMaxSize(q)));
                if (mem.contains(new GuestAddress(descs[q]), 16L * size)
                        && mem.contains(new GuestAddress(avails[q]), 6 + 2L * size)) {
                    fillQueue(r, mem, size, descs[q], avails[q], indirect);
                }
            }
            if (t.nic() != null) {
                for (int n = r.nextInt(4); n > 0; n--) {
                    byte[] frame = new byte[r.nextInt(10) == 0 ? r.nextInt(70_000) : r.nextInt(1600)];
                    t.nic().inject(frame);
                }
                t.transport().backendReady();
            }
            for (int n = r.nextInt(3); n > 0; n--) {
                randomRegisterAccess(r, t.transport());
            }
            int q = r.nextInt(10) == 0 ? r.nextInt() : r.nextInt(queues);
            if (r.nextBoolean()) {
                d.writeReg(VIRTIO_MMIO_QUEUE_NOTIFY, q);
            } else {
                t.transport().notifyQueue(q);
            }
        }
        if ((t.transport().deviceStatus() & VIRTIO_CONFIG_S_NEEDS_RESET) != 0) {
            needsResetInputs++;
        } else {
            cleanInputs++;
        }
        // Most inputs start from zeroed rings, as after a driver's allocation; the rest inherit garbage.
        if (r.nextInt(10) != 0) {
            mem.slice(new GuestAddress(REGION_A), SIZE_A / 2).fill((byte) 0);
        }
        if (t.nic() != null) {
            while (t.nic().pendingToGuest() > 0) {
                t.nic().read(ByteBuffer.allocate(70_000));
            }
            t.nic().takeSent();
        }
    }

    /** A ring address: mostly aligned inside region A, sometimes misaligned, past the end, or anywhere. */
    private static long ringAddress(SplittableRandom r, int align, long len) {
        return switch (r.nextInt(80)) {
            case 0 -> r.nextLong();
            case 1 -> REGION_A + SIZE_A - len + r.nextInt(64);               // may cross the end
            case 2 -> REGION_B + r.nextLong(SIZE_B) & -align;                // region B, may cross its end
            case 3 -> (REGION_A + r.nextLong(SIZE_A / 2)) | 1;               // misaligned
            default -> (REGION_A + r.nextLong(SIZE_A / 2)) & -align;
        };
    }

    private static long bufferAddress(SplittableRandom r) {
        return switch (r.nextInt(40)) {
            case 0 -> r.nextLong();
            case 1 -> REGION_A + SIZE_A - r.nextInt(64);                     // straddles the end of A
            case 2 -> REGION_A + SIZE_A + r.nextLong(REGION_B - SIZE_A);      // in the hole
            case 3 -> -1L - r.nextInt(64);                                    // wraps past 2^64
            case 4, 5, 6, 7, 8, 9, 10, 11 -> REGION_B + r.nextLong(SIZE_B);
            default -> REGION_A + r.nextLong(SIZE_A);
        };
    }

    private static int bufferLength(SplittableRandom r) {
        return switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> r.nextInt();                                             // any u32
            case 3 -> 16;
            case 4 -> 512;
            case 5 -> 26 + r.nextInt(1600);                                   // a network frame
            default -> r.nextInt(2048);
        };
    }

    /** Random descriptors (some of them indirect tables) and a random available ring. */
    private static void fillQueue(SplittableRandom r, GuestMemory mem, int size, long desc, long avail,
                                  boolean indirect) {
        if (r.nextInt(5) < 3) {
            writeWellFormedChains(r, mem, size, desc);
        } else if (r.nextInt(8) == 0) {
            byte[] noise = new byte[(int) Math.min(16L * size, 4096)];
            r.nextBytes(noise);
            mem.write(new GuestAddress(desc), noise);
        } else {
            for (int i = 0; i < size; i++) {
                writeRandomDesc(r, mem, desc + 16L * i, size, indirect);
            }
        }
        int base = mem.readU16(new GuestAddress(avail + 2));
        int add = switch (r.nextInt(40)) {
            case 0 -> r.nextInt(65536);        // jumps
            case 1 -> size + 1;
            default -> r.nextInt(Math.min(size, 8) + 1);
        };
        for (int k = 0; k < Math.min(add, size); k++) {
            int head = switch (r.nextInt(10)) {
                case 0 -> r.nextInt(65536);
                case 1, 2, 3 -> r.nextInt(size);
                default -> 3 * r.nextInt(Math.max(1, size / 3)); // the heads of well-formed chains
            };
            mem.writeU16(new GuestAddress(avail + 4 + 2L * ((base + k) % size)), head);
        }
        mem.writeU16(new GuestAddress(avail), r.nextInt(4) == 0 ? r.nextInt(65536) : 0);        // flags
        mem.writeU16(new GuestAddress(avail + 4 + 2L * size), r.nextInt(65536));                 // used_event
        mem.writeU16(new GuestAddress(avail + 2), (base + add) & 0xffff);
    }

    /**
     * Chains as a correct driver builds them, back to back in the table: a 16-byte readable header (a
     * virtio-blk request whose direction matches the data), whole sectors of data readable or
     * writable, and a 1-byte writable status; buffers away from the rings. The devices then take
     * their request paths, with an occasional bad length or sector.
     */
    private static void writeWellFormedChains(SplittableRandom r, GuestMemory mem, int size, long desc) {
        int i = 0;
        while (i + 3 <= size) {
            boolean in = r.nextBoolean();
            int dataLen = 512 * r.nextInt(4) + (r.nextInt(20) == 0 ? 1 : 0);
            long hdr = dataAddress(r, 16);
            long data = dataAddress(r, Math.max(dataLen, 1));
            long status = dataAddress(r, 1);
            ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0, r.nextInt(8) == 0 ? VirtioBlock.VIRTIO_BLK_T_FLUSH
                    : in ? VirtioBlock.VIRTIO_BLK_T_IN : VirtioBlock.VIRTIO_BLK_T_OUT);
            h.putLong(8, r.nextInt(20) == 0 ? r.nextLong() : r.nextInt(16));
            mem.write(new GuestAddress(hdr), h.array());
            int next = Virtqueue.VIRTQ_DESC_F_NEXT;
            int write = Virtqueue.VIRTQ_DESC_F_WRITE;
            writeDesc(mem, desc + 16L * i, hdr, 16, next, i + 1);
            writeDesc(mem, desc + 16L * (i + 1), data, dataLen, next | (in ? write : 0), i + 2);
            writeDesc(mem, desc + 16L * (i + 2), status, 1, write, 0);
            i += 3;
        }
    }

    /** An address for {@code len} bytes in the upper half of region A or in region B, clear of the rings. */
    private static long dataAddress(SplittableRandom r, int len) {
        return r.nextBoolean() ? REGION_A + SIZE_A / 2 + r.nextLong(SIZE_A / 2 - len + 1)
                : REGION_B + r.nextLong(SIZE_B - len + 1);
    }

    private static void writeRandomDesc(SplittableRandom r, GuestMemory mem, long at, int tableSize, boolean indirect) {
        long addr = bufferAddress(r);
        int len = bufferLength(r);
        int flags = r.nextInt(30) == 0 ? r.nextInt(65536) : r.nextInt(4);
        int next = r.nextInt(10) == 0 ? r.nextInt(65536) : r.nextInt(tableSize);
        if (r.nextInt(indirect ? 6 : 40) == 0) {
            // An indirect table of random descriptors (which may themselves be indirect: nested).
            int n = 1 + r.nextInt(8);
            long table = (REGION_A + r.nextLong(SIZE_A - 16L * n)) & -16L;
            for (int i = 0; i < n; i++) {
                if (r.nextInt(20) == 0) {
                    writeDesc(mem, table + 16L * i, table, 16 * n, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
                } else {
                    writeDesc(mem, table + 16L * i, bufferAddress(r), bufferLength(r),
                            r.nextInt(4), r.nextInt(5) == 0 ? r.nextInt(65536) : r.nextInt(n));
                    plausibleRequest(r, mem, table + 16L * i);
                }
            }
            addr = table;
            len = r.nextInt(10) == 0 ? r.nextInt(4096) : 16 * n;
            flags = Virtqueue.VIRTQ_DESC_F_INDIRECT | (r.nextInt(10) == 0 ? Virtqueue.VIRTQ_DESC_F_NEXT : 0);
        }
        writeDesc(mem, at, addr, len, flags, next);
        plausibleRequest(r, mem, at);
    }

    /** Often puts a virtio-blk request header into the descriptor's buffer, so the blk paths run. */
    private static void plausibleRequest(SplittableRandom r, GuestMemory mem, long descAt) {
        long addr = mem.readLong(new GuestAddress(descAt));
        if (r.nextBoolean() || !mem.contains(new GuestAddress(addr), 16)) {
            return;
        }
        int[] types = {VirtioBlock.VIRTIO_BLK_T_IN, VirtioBlock.VIRTIO_BLK_T_OUT, VirtioBlock.VIRTIO_BLK_T_FLUSH,
                VirtioBlock.VIRTIO_BLK_T_GET_ID, 11, r.nextInt()};
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, types[r.nextInt(types.length)]);
        h.putLong(8, r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(20));
        mem.write(new GuestAddress(addr), h.array());
    }

    private static void writeDesc(GuestMemory mem, long at, long addr, int len, int flags, int next) {
        mem.writeLong(new GuestAddress(at), addr);
        mem.writeInt(new GuestAddress(at + 8), len);
        mem.writeU16(new GuestAddress(at + 12), flags);
        mem.writeU16(new GuestAddress(at + 14), next);
    }

    /** A register access of any width at any offset, read or write, with any value. */
    private static void randomRegisterAccess(SplittableRandom r, VirtioMmioTransport t) {
        int[] widths = {1, 2, 4, 4, 4, 8};
        byte[] data = new byte[widths[r.nextInt(widths.length)]];
        long offset = r.nextInt(4) == 0 ? r.nextLong(VIRTIO_MMIO_SIZE) : (long) r.nextInt(0x110 / 4) * 4;
        if (r.nextBoolean()) {
            r.nextBytes(data);
            if (offset == VIRTIO_MMIO_STATUS && r.nextBoolean()) {
                data = new byte[4]; // a reset now and then, in the middle of things
            }
            t.write(offset, data);
        } else {
            t.read(offset, data);
        }
    }
}
