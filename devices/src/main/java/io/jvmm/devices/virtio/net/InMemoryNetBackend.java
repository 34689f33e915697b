package io.jvmm.devices.virtio.net;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NetBackend} made of two in-memory queues: frames {@link #inject injected} here are received
 * by the guest, frames the guest transmits are {@link #takeSent collected}. For tests and for machines
 * without a TAP. Thread-safe.
 */
public final class InMemoryNetBackend implements NetBackend {
    private final ArrayDeque<byte[]> toGuest = new ArrayDeque<>();
    private final List<byte[]> fromGuest = new ArrayList<>();
    private final boolean vnetHeader;
    private volatile long offloads;

    /** @param vnetHeader whether frames carry a virtio_net_hdr_v1, as a TAP with IFF_VNET_HDR */
    public InMemoryNetBackend(boolean vnetHeader) {
        this.vnetHeader = vnetHeader;
    }

    public InMemoryNetBackend() {
        this(false);
    }

    /** Queues {@code frame} for the guest to receive; the device picks it up on backendReady(). */
    public synchronized void inject(byte[] frame) {
        toGuest.add(frame.clone());
    }

    /** Frames still waiting to be received by the guest. */
    public synchronized int pendingToGuest() {
        return toGuest.size();
    }

    /** The frames the guest sent since the last call, oldest first. */
    public synchronized List<byte[]> takeSent() {
        List<byte[]> out = new ArrayList<>(fromGuest);
        fromGuest.clear();
        return out;
    }

    /** The features last passed to {@link #setOffloads}. */
    public long offloads() {
        return offloads;
    }

    @Override
    public synchronized int read(ByteBuffer dst) {
        byte[] frame = toGuest.poll();
        if (frame == null) {
            return 0;
        }
        int n = Math.min(frame.length, dst.remaining()); // a TAP truncates the same way
        dst.put(frame, 0, n);
        return n;
    }

    @Override
    public synchronized boolean write(ByteBuffer frame) {
        byte[] copy = new byte[frame.remaining()];
        frame.get(copy);
        fromGuest.add(copy);
        return true;
    }

    @Override
    public boolean hasVnetHeader() {
        return vnetHeader;
    }

    @Override
    public void setOffloads(long guestFeatures) {
        offloads = guestFeatures;
    }

    @Override
    public void close() {
    }
}
