package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jvmm.devices.virtio.VirtioConfig.*;
import static io.jvmm.devices.virtio.VirtioMmio.*;

/**
 * The guest's side of a virtio-mmio device, doing what Linux's virtio_mmio.c and virtio_ring.c do:
 * reset, status handshake and feature negotiation, queue setup, descriptor chains (direct or
 * indirect), the available ring and notifications, the used ring and interrupt acknowledgement. It
 * talks to the transport only through its bus registers and guest memory.
 */
public final class VirtioTestDriver {
    /** A buffer of the guest: {@code len} bytes at {@code addr}, device-writable or not. */
    public record Buf(long addr, int len, boolean writable) {
    }

    /** One used-ring element. */
    public record Used(int id, int len) {
    }

    private VirtioMmioTransport transport;
    private final GuestMemory memory;
    private final AtomicInteger interrupts;
    private long next; // bump allocator for rings and buffers

    /**
     * @param interrupts counts the transport's interrupt line (the test wires the line to it)
     * @param allocBase  where the driver's allocations start in guest memory
     */
    public VirtioTestDriver(VirtioMmioTransport transport, GuestMemory memory, AtomicInteger interrupts, long allocBase) {
        this.transport = transport;
        this.memory = memory;
        this.interrupts = interrupts;
        this.next = allocBase;
    }

    /**
     * The VM was restored from a snapshot: the same guest memory and driver state (queues, free
     * descriptors), now talking to {@code restored}.
     */
    public void reconnect(VirtioMmioTransport restored) {
        this.transport = restored;
    }

    public int readReg(int offset) {
        byte[] b = new byte[4];
        transport.read(offset, b);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    public void writeReg(int offset, int value) {
        transport.write(offset, new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)});
    }

    public int interrupts() {
        return interrupts.get();
    }

    /** Allocates {@code len} bytes of guest memory aligned to {@code align}, zeroed. */
    public long alloc(long len, long align) {
        next = (next + align - 1) & -align;
        long at = next;
        next += len;
        memory.slice(new GuestAddress(at), len).fill((byte) 0);
        return at;
    }

    public long deviceFeatures() {
        writeReg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
        long lo = Integer.toUnsignedLong(readReg(VIRTIO_MMIO_DEVICE_FEATURES));
        writeReg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        long hi = Integer.toUnsignedLong(readReg(VIRTIO_MMIO_DEVICE_FEATURES));
        return hi << 32 | lo;
    }

    /**
     * virtio_dev_probe(): reset, ACKNOWLEDGE, DRIVER, write {@code wanted} (unfiltered, so a test can
     * ask for what was not offered), FEATURES_OK, and read it back. Returns true when accepted.
     */
    public boolean negotiate(long wanted) {
        writeReg(VIRTIO_MMIO_STATUS, 0);
        writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
        writeReg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        writeReg(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        writeReg(VIRTIO_MMIO_DRIVER_FEATURES, (int) wanted);
        writeReg(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        writeReg(VIRTIO_MMIO_DRIVER_FEATURES, (int) (wanted >>> 32));
        int s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
        writeReg(VIRTIO_MMIO_STATUS, s);
        return (readReg(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK) != 0;
    }

    /** vm_setup_vq(): allocates the rings of queue {@code index} with {@code size} entries and makes it ready. */
    public DriverQueue setupQueue(int index, int size, boolean eventIdx, boolean indirect) {
        long desc = alloc(16L * size, 16);
        long avail = alloc(6 + 2L * size, 2);
        long used = alloc(6 + 8L * size, 4);
        return setupQueueAt(index, size, desc, avail, used, eventIdx, indirect);
    }

    /** Queue setup with the ring addresses given, for tests that place them badly on purpose. */
    public DriverQueue setupQueueAt(int index, int size, long desc, long avail, long used, boolean eventIdx,
                                    boolean indirect) {
        configureQueue(index, size, desc, avail, used);
        return new DriverQueue(index, size, desc, avail, used, eventIdx, indirect);
    }

    /** Writes queue {@code index}'s registers, whatever the values, and sets QueueReady. */
    public void configureQueue(int index, int size, long desc, long avail, long used) {
        writeReg(VIRTIO_MMIO_QUEUE_SEL, index);
        writeReg(VIRTIO_MMIO_QUEUE_NUM, size);
        writeReg(VIRTIO_MMIO_QUEUE_DESC_LOW, (int) desc);
        writeReg(VIRTIO_MMIO_QUEUE_DESC_HIGH, (int) (desc >>> 32));
        writeReg(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (int) avail);
        writeReg(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (int) (avail >>> 32));
        writeReg(VIRTIO_MMIO_QUEUE_USED_LOW, (int) used);
        writeReg(VIRTIO_MMIO_QUEUE_USED_HIGH, (int) (used >>> 32));
        writeReg(VIRTIO_MMIO_QUEUE_READY, 1);
    }

    public void driverOk() {
        writeReg(VIRTIO_MMIO_STATUS, readReg(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
    }

    /** vm_interrupt(): reads InterruptStatus and acknowledges it; returns what was pending. */
    public int ackInterrupt() {
        int s = readReg(VIRTIO_MMIO_INTERRUPT_STATUS);
        writeReg(VIRTIO_MMIO_INTERRUPT_ACK, s);
        return s;
    }

    /** The driver's half of one split virtqueue (virtio_ring.c, split layout). */
    public final class DriverQueue {
        public final int index;
        public final int size;
        public final long desc;
        public final long avail;
        public final long used;
        private final boolean eventIdx;
        private final boolean indirect;
        private final ArrayDeque<Integer> free = new ArrayDeque<>();
        private final int[] chainLength;
        private int availIdx;
        private int lastUsedIdx;
        private int notifiedAvailIdx;

        DriverQueue(int index, int size, long desc, long avail, long used, boolean eventIdx, boolean indirect) {
            this.index = index;
            this.size = size;
            this.desc = desc;
            this.avail = avail;
            this.used = used;
            this.eventIdx = eventIdx;
            this.indirect = indirect;
            this.chainLength = new int[size];
            for (int i = 0; i < size; i++) {
                free.add(i);
            }
        }

        /** Adds a chain of {@code bufs} (as an indirect table when {@code useIndirect}); returns its head. */
        public int add(List<Buf> bufs, boolean useIndirect) {
            int head;
            if (useIndirect) {
                long table = alloc(16L * bufs.size(), 16);
                for (int i = 0; i < bufs.size(); i++) {
                    writeDesc(table + 16L * i, bufs.get(i), i + 1 < bufs.size(), i + 1);
                }
                head = free.remove();
                writeDesc(desc + 16L * head, new Buf(table, 16 * bufs.size(), false), false, 0);
                memory.writeU16(new GuestAddress(desc + 16L * head + 12), Virtqueue.VIRTQ_DESC_F_INDIRECT);
                chainLength[head] = 1;
            } else {
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < bufs.size(); i++) {
                    ids.add(free.remove());
                }
                for (int i = 0; i < bufs.size(); i++) {
                    boolean more = i + 1 < bufs.size();
                    writeDesc(desc + 16L * ids.get(i), bufs.get(i), more, more ? ids.get(i + 1) : 0);
                }
                head = ids.get(0);
                chainLength[head] = bufs.size();
            }
            memory.writeU16(new GuestAddress(avail + 4 + 2L * (availIdx % size)), head);
            availIdx = (availIdx + 1) & 0xffff;
            VarHandle.releaseFence(); // virtio_wmb(): the entry before the idx that publishes it
            memory.writeU16(new GuestAddress(avail + 2), availIdx);
            return head;
        }

        public int add(List<Buf> bufs) {
            return add(bufs, false);
        }

        /**
         * virtqueue_kick_prepare() + notify: with EVENT_IDX only when avail_event says the device
         * waits for it; returns whether a notification was sent.
         */
        public boolean kick() {
            VarHandle.fullFence(); // virtio_mb() in virtqueue_kick_prepare()
            if (availIdx == notifiedAvailIdx) {
                return false; // nothing added since the last kick (Linux kicks only after adding)
            }
            int old = notifiedAvailIdx;
            notifiedAvailIdx = availIdx;
            boolean needed = eventIdx ? Virtqueue.vringNeedEvent(availEvent(), availIdx, old)
                    : (memory.readU16(new GuestAddress(used)) & Virtqueue.VIRTQ_USED_F_NO_NOTIFY) == 0;
            if (needed) {
                writeReg(VIRTIO_MMIO_QUEUE_NOTIFY, index);
            }
            return needed;
        }

        /** Notifies unconditionally. */
        public void notifyDevice() {
            notifiedAvailIdx = availIdx;
            writeReg(VIRTIO_MMIO_QUEUE_NOTIFY, index);
        }

        /** Takes the used elements the device published since the last call and frees their descriptors. */
        public List<Used> takeUsed() {
            List<Used> out = new ArrayList<>();
            int usedIdx = memory.readU16(new GuestAddress(used + 2));
            VarHandle.acquireFence(); // virtio_rmb(): the elements after the idx
            while (lastUsedIdx != usedIdx) {
                long e = used + 4 + 8L * (lastUsedIdx % size);
                int id = memory.readInt(new GuestAddress(e));
                int len = memory.readInt(new GuestAddress(e + 4));
                out.add(new Used(id, len));
                freeChain(id);
                lastUsedIdx = (lastUsedIdx + 1) & 0xffff;
            }
            return out;
        }

        public int freeDescriptors() {
            return free.size();
        }

        public int usedIdx() {
            return memory.readU16(new GuestAddress(used + 2));
        }

        public int availEvent() {
            return memory.readU16(new GuestAddress(used + 4 + 8L * size));
        }

        /** Writes used_event: interrupt me when used idx passes {@code value}. */
        public void setUsedEvent(int value) {
            memory.writeU16(new GuestAddress(avail + 4 + 2L * size), value);
        }

        public void setAvailFlags(int flags) {
            memory.writeU16(new GuestAddress(avail), flags);
        }

        /** Publishes a raw avail idx (for tests that make it jump). */
        public void setAvailIdx(int idx) {
            availIdx = idx & 0xffff;
            memory.writeU16(new GuestAddress(avail + 2), availIdx);
        }

        private void freeChain(int head) {
            if (head < 0 || head >= size) {
                return;
            }
            int idx = head;
            for (int i = 0; i < chainLength[head]; i++) {
                free.add(idx);
                idx = memory.readU16(new GuestAddress(desc + 16L * idx + 14));
            }
        }

        private void writeDesc(long at, Buf b, boolean hasNext, int nextIdx) {
            memory.writeLong(new GuestAddress(at), b.addr());
            memory.writeInt(new GuestAddress(at + 8), b.len());
            int flags = (b.writable() ? Virtqueue.VIRTQ_DESC_F_WRITE : 0) | (hasNext ? Virtqueue.VIRTQ_DESC_F_NEXT : 0);
            memory.writeU16(new GuestAddress(at + 12), flags);
            memory.writeU16(new GuestAddress(at + 14), nextIdx);
        }
    }
}
