package io.jvmm.devices.virtio;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestMemoryException;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import static io.jvmm.devices.virtio.VirtioCounters.Counter.CHAIN_TOO_LONG;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.INVALID_AVAIL_IDX;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.INVALID_DESCRIPTOR;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.INVALID_INDIRECT;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.READABLE_AFTER_WRITABLE;
import static io.jvmm.devices.virtio.VirtioCounters.Counter.UNCHECKED_MEMORY_FAULT;

/**
 * The device side of a split virtqueue (virtio 1.2 section 2.7), in guest memory:
 *
 * <pre>
 * Descriptor table, 16 * size bytes, 16-aligned          struct virtq_desc
 *   +0  le64 addr | +8 le32 len | +12 le16 flags | +14 le16 next
 * Available ring (driver area), 6 + 2 * size bytes, 2-aligned
 *   +0  le16 flags | +2 le16 idx | +4 le16 ring[size] | +4+2*size le16 used_event
 * Used ring (device area), 6 + 8 * size bytes, 4-aligned
 *   +0  le16 flags | +2 le16 idx | +4 {le32 id, le32 len}[size] | +4+8*size le16 avail_event
 * </pre>
 *
 * The ring layout was checked against guest memory when the queue was built ({@link #checkLayout});
 * descriptors are checked as they are walked. The guest writes the rings concurrently with the
 * device: every value is read once into a local, then checked, then used. Used by one thread at a
 * time (the transport's processing lock).
 */
public final class Virtqueue {
    public static final int VIRTQ_DESC_F_NEXT = 1;
    public static final int VIRTQ_DESC_F_WRITE = 2;
    public static final int VIRTQ_DESC_F_INDIRECT = 4;
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;
    /** Largest queue size the split ring allows (section 2.7). */
    public static final int VIRTQ_MAX_SIZE = 32768;

    static final int DESC_SIZE = 16;

    private final int index;
    private final GuestMemory memory;
    private final int size;
    private final GuestAddress desc;
    private final GuestAddress avail;
    private final GuestAddress used;
    private final boolean eventIdx;
    private final boolean indirect;
    private final VirtioCounters counters;

    private int lastAvailIdx;      // next available-ring slot to take (free-running u16)
    private int nextUsedIdx;       // next used-ring slot to fill (free-running u16)
    private int signalledUsedIdx;  // used idx at the last interrupt, for EVENT_IDX
    private boolean signalledValid;
    private boolean broken;
    private boolean notifySuppressed; // VIRTQ_USED_F_NO_NOTIFY is set in used->flags (no EVENT_IDX)
    private volatile boolean disabled;

    /** Builds a queue whose layout {@link #checkLayout} accepted. */
    Virtqueue(int index, GuestMemory memory, int size, GuestAddress desc, GuestAddress avail, GuestAddress used,
              boolean eventIdx, boolean indirect, VirtioCounters counters) {
        this.index = index;
        this.counters = counters;
        this.memory = memory;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.eventIdx = eventIdx;
        this.indirect = indirect;
    }

    /**
     * Why a queue of {@code size} with these ring addresses cannot be used, or null when it can:
     * size a power of two within [1, maxSize], rings aligned as section 2.7 requires and each lying
     * inside one guest memory region.
     */
    static String checkLayout(GuestMemory memory, int size, int maxSize, GuestAddress desc, GuestAddress avail,
                              GuestAddress used) {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            return "queue size " + size + " is not a power of two in [1, " + maxSize + "]";
        }
        if ((desc.value() & 15) != 0 || (avail.value() & 1) != 0 || (used.value() & 3) != 0) {
            return "rings misaligned: desc " + desc + " avail " + avail + " used " + used;
        }
        if (!memory.contains(desc, (long) DESC_SIZE * size) || !memory.contains(avail, 6 + 2L * size)
                || !memory.contains(used, 6 + 8L * size)) {
            return "rings outside guest memory: desc " + desc + " avail " + avail + " used " + used
                    + " for size " + size;
        }
        return null;
    }

    /**
     * This queue's state for a snapshot; the caller adds the registers it keeps ({@code maxSize},
     * {@code ready}). Used by one thread at a time, as every other method here.
     */
    VirtqueueState state(int maxSize, boolean ready) {
        return new VirtqueueState(maxSize, size, ready, desc.value(), avail.value(), used.value(), lastAvailIdx,
                nextUsedIdx, signalledUsedIdx, signalledValid, notifySuppressed, broken, disabled);
    }

    /** Puts back the ring progress of a snapshot, before the queue is handed to its device. */
    void restoreProgress(VirtqueueState s) {
        lastAvailIdx = s.lastAvailIdx();
        nextUsedIdx = s.nextUsedIdx();
        signalledUsedIdx = s.signalledUsedIdx();
        signalledValid = s.signalledValid();
        notifySuppressed = s.notifySuppressed();
        broken = s.broken();
        disabled = s.disabled();
    }

    public int index() {
        return index;
    }

    public int size() {
        return size;
    }

    /**
     * The driver wrote 0 to QueueReady: from now on the device must not touch the rings (section
     * 4.2.2.1), so the queue hands out no more chains.
     */
    void disable() {
        disabled = true;
    }

    /** True after the queue reported a protocol error; it hands out no more chains. */
    public boolean isBroken() {
        return broken;
    }

    /**
     * Takes the next available chain, or returns null when the driver has made none available.
     * Notification suppression (section 2.7.10), as vhost does it: while the device is taking chains
     * it asks the driver not to notify (VIRTQ_USED_F_NO_NOTIFY, or a stale avail_event with
     * EVENT_IDX); when the queue runs empty it asks for notifications again (clears the flag, or
     * publishes avail_event = the next index it will look at), then looks once more to close the race
     * with a driver that added a buffer in between. Throws when the guest broke the protocol; the
     * queue is then broken.
     */
    public DescriptorChain pop() throws VirtqueueException {
        if (broken || disabled) {
            return null;
        }
        try {
            int availIdx = readAvailIdx();
            if (availIdx == lastAvailIdx && (eventIdx || notifySuppressed)) {
                if (eventIdx) {
                    memory.writeU16(used.plus(4 + 8L * size), lastAvailIdx); // avail_event
                } else {
                    memory.writeU16(used, 0); // used->flags: notifications wanted again
                    notifySuppressed = false;
                }
                // Full fence: our store must be visible before we re-read idx, which the driver stores
                // before it reads avail_event / used->flags (the store-load pattern of section 2.7.10).
                VarHandle.fullFence();
                availIdx = readAvailIdx();
            }
            if (availIdx == lastAvailIdx) {
                return null;
            }
            if (!eventIdx && !notifySuppressed) {
                memory.writeU16(used, VIRTQ_USED_F_NO_NOTIFY); // we are looking anyway
                notifySuppressed = true;
            }
            int pending = (availIdx - lastAvailIdx) & 0xffff;
            if (pending > size) {
                throw fail(INVALID_AVAIL_IDX, "avail idx " + availIdx + " is " + pending
                        + " past the last seen " + lastAvailIdx + ", more than the queue size " + size);
            }
            int head = memory.readU16(avail.plus(4 + 2L * (lastAvailIdx % size)));
            lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
            return walk(head);
        } catch (GuestMemoryException e) {
            // Every range was checked before use: reaching here is a device bug, counted as such.
            throw fail(UNCHECKED_MEMORY_FAULT, e.getMessage());
        }
    }

    /** Gives back the chain the last {@link #pop} returned, unused (a packet did not fit it). */
    public void undoPop() {
        lastAvailIdx = (lastAvailIdx - 1) & 0xffff;
    }

    /**
     * Returns chain {@code headIndex} to the driver with {@code len} bytes written (section 2.7.8):
     * the element first, then, after a release fence, the used idx that publishes it.
     */
    public void addUsed(int headIndex, long len) {
        if (disabled) {
            return; // the rings may already be freed by the driver
        }
        GuestAddress elem = used.plus(4 + 8L * (nextUsedIdx % size));
        memory.writeInt(elem, headIndex);
        memory.writeInt(elem.plus(4), (int) Math.min(len, 0xffffffffL));
        nextUsedIdx = (nextUsedIdx + 1) & 0xffff;
        // Release: the driver reads idx and then the element; it must not see the new idx before the
        // element it publishes (section 2.7.8, "the device MUST ... before updating idx").
        VarHandle.releaseFence();
        memory.writeU16(used.plus(2), nextUsedIdx);
        counters.increment(VirtioCounters.Counter.USED_BUFFERS);
    }

    /**
     * Whether the driver wants an interrupt for what was used since the last one (section 2.7.7):
     * with EVENT_IDX, when used idx passed used_event; otherwise unless VIRTQ_AVAIL_F_NO_INTERRUPT.
     */
    boolean needsInterrupt() {
        if (disabled) {
            return false;
        }
        // Full fence: the used idx store above must be visible before we read the driver's
        // used_event/flags, which it writes before re-reading used idx (store-load, section 2.7.7).
        VarHandle.fullFence();
        if (!eventIdx) {
            return (memory.readU16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
        }
        int old = signalledUsedIdx;
        boolean valid = signalledValid;
        signalledUsedIdx = nextUsedIdx;
        signalledValid = true;
        if (!valid) {
            return true;
        }
        int usedEvent = memory.readU16(avail.plus(4 + 2L * size));
        return vringNeedEvent(usedEvent, nextUsedIdx, old);
    }

    /** vring_need_event() of include/uapi/linux/virtio_ring.h: did new_idx step past event_idx? */
    static boolean vringNeedEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }

    private int readAvailIdx() {
        int idx = memory.readU16(avail.plus(2));
        // Acquire: the ring entries and descriptors the driver wrote before publishing idx must be
        // read after idx, not from earlier (section 2.7.13.3, the driver's write barrier pairs here).
        VarHandle.acquireFence();
        return idx;
    }

    /** Walks the chain at {@code head}, direct and then at most one indirect table (section 2.7.5). */
    private DescriptorChain walk(int head) throws VirtqueueException {
        List<DescriptorChain.Segment> readable = new ArrayList<>(2);
        List<DescriptorChain.Segment> writable = new ArrayList<>(2);
        GuestAddress table = desc;
        long tableLen = size;
        boolean inIndirect = false;
        long idx = head;
        int count = 0;
        while (true) {
            if (idx >= tableLen) {
                throw fail(INVALID_DESCRIPTOR, "descriptor index " + idx + " past table of " + tableLen);
            }
            // A chain longer than the queue size is a loop or a driver error (section 2.7.5.3.1).
            if (++count > size) {
                throw fail(CHAIN_TOO_LONG, "chain at head " + head + " longer than queue size " + size);
            }
            GuestAddress d = table.plus(DESC_SIZE * idx);
            long addr = memory.readLong(d);
            long len = Integer.toUnsignedLong(memory.readInt(d.plus(8)));
            int flags = memory.readU16(d.plus(12));
            int next = memory.readU16(d.plus(14));
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                // Section 2.7.5.3.1: only when negotiated, never inside an indirect table, never
                // with NEXT, and the table is a whole number of descriptors.
                if (!indirect || inIndirect || (flags & VIRTQ_DESC_F_NEXT) != 0
                        || len == 0 || len % DESC_SIZE != 0 || !memory.contains(new GuestAddress(addr), len)) {
                    throw fail(INVALID_INDIRECT, "bad indirect descriptor " + idx + " in chain " + head
                            + " (addr 0x" + Long.toHexString(addr) + " len " + len + " flags " + flags + ")");
                }
                table = new GuestAddress(addr);
                tableLen = len / DESC_SIZE;
                inIndirect = true;
                idx = 0;
                continue;
            }
            if (len > 0) {
                GuestAddress a = new GuestAddress(addr);
                if (!memory.contains(a, len)) {
                    throw fail(INVALID_DESCRIPTOR, "descriptor " + idx + " of chain " + head + " at 0x"
                            + Long.toHexString(addr) + " len " + len + " is outside guest memory");
                }
                if ((flags & VIRTQ_DESC_F_WRITE) != 0) {
                    writable.add(new DescriptorChain.Segment(a, len));
                } else if (!writable.isEmpty()) {
                    throw fail(READABLE_AFTER_WRITABLE, "readable descriptor after a writable one in chain "
                            + head);
                } else {
                    readable.add(new DescriptorChain.Segment(a, len));
                }
            }
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, readable, writable);
            }
            idx = next;
        }
    }

    private VirtqueueException fail(VirtioCounters.Counter reason, String message) {
        broken = true;
        return new VirtqueueException(reason, "queue " + index + ": " + message);
    }
}
