package io.jvmm.devices.virtio;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-device event counters: what a misbehaving (or merely unlucky) guest made the device do. The
 * transport counts ring and register errors, the device its own request errors and drops. Counters
 * only grow; a device reset does not clear them. Safe to read from any thread (the assembly reads them
 * for metrics and logs).
 */
public final class VirtioCounters {

    /** What was counted. */
    public enum Counter {
        /** Chains returned to the driver through the used ring (not an error: the device's work). */
        USED_BUFFERS,
        /** The device set DEVICE_NEEDS_RESET (section 2.1.2); one of the causes below is counted too. */
        DEVICE_NEEDS_RESET,
        /** Queue size not a power of two or above QueueNumMax, or rings misaligned/outside memory. */
        INVALID_QUEUE_CONFIG,
        /** The available index moved by more than the queue size (section 2.7.6). */
        INVALID_AVAIL_IDX,
        /** A head or next index past the table, or a buffer outside guest memory. */
        INVALID_DESCRIPTOR,
        /** A chain longer than the queue size: a loop or an overlong chain (section 2.7.5.3.1). */
        CHAIN_TOO_LONG,
        /** An indirect descriptor that is not allowed: not negotiated, nested, with NEXT, or a bad size. */
        INVALID_INDIRECT,
        /** A device-readable descriptor after a device-writable one (section 2.7.4.2). */
        READABLE_AFTER_WRITABLE,
        /** FEATURES_OK refused: features not offered or VIRTIO_F_VERSION_1 missing (section 2.2.2). */
        FEATURES_REFUSED,
        /** A status write that skips a step of section 3.1.1, or a register written at the wrong time. */
        INVALID_STATUS_TRANSITION,
        /** A register access that is not 32-bit wide or hits no register (section 4.2.2.2). */
        INVALID_REGISTER_ACCESS,
        /** A request the device could not parse (too short header, no status byte...). */
        MALFORMED_REQUEST,
        /** A request completed with an I/O error status (out of range, read-only, back end failure). */
        IO_ERROR,
        /** A request of a type the device does not support (VIRTIO_BLK_S_UNSUPP). */
        UNSUPPORTED_REQUEST,
        /** Received packets dropped: no guest buffer large enough. */
        RX_DROPPED,
        /** Transmitted packets dropped: chain too large or too small to be a frame. */
        TX_DROPPED,
        /** The back end (file, TAP) reported an error. */
        BACKEND_ERROR,
        /**
         * An access to guest memory failed even though the device had checked the range before. Must
         * stay 0: it means a bug in the device, not in the guest. The fuzz tests assert it.
         */
        UNCHECKED_MEMORY_FAULT,
        /** A device threw where it should not have (a bug); the device was put in NEEDS_RESET. Must stay 0. */
        INTERNAL_ERROR,
    }

    private final AtomicLongArray counts = new AtomicLongArray(Counter.values().length);

    public VirtioCounters() {
    }

    public void increment(Counter counter) {
        counts.incrementAndGet(counter.ordinal());
    }

    public long get(Counter counter) {
        return counts.get(counter.ordinal());
    }

    /** All counters at this moment, in declaration order. */
    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> map = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            map.put(c, counts.get(c.ordinal()));
        }
        return map;
    }

    /** The non-zero counters, for a log line: {@code {USED_BUFFERS=12, RX_DROPPED=3}}. */
    @Override
    public String toString() {
        Map<Counter, Long> map = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            long v = counts.get(c.ordinal());
            if (v != 0) {
                map.put(c, v);
            }
        }
        return map.toString();
    }
}
