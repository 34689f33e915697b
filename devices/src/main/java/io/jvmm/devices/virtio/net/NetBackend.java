package io.jvmm.devices.virtio.net;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a virtio-net device's Ethernet frames come from and go to: a TAP device in a VM (implemented
 * by the assembly, which owns the file descriptor and polls it), an in-memory queue in tests. Called
 * on the thread that processes the device's queues, under the transport's processing lock.
 */
public interface NetBackend extends Closeable {

    /**
     * Reads the next frame into {@code dst} from its position on, without blocking. Returns the
     * frame's length, or 0 when no frame is waiting (EAGAIN on a non-blocking TAP). {@code dst} has
     * room for the largest frame ({@link VirtioNet#MAX_FRAME_SIZE} plus the header when
     * {@link #hasVnetHeader()}).
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Sends one frame, {@code frame}'s position to limit. Returns false when the host could not take
     * it now (EAGAIN); the device then drops it and counts it, as a congested link would.
     */
    boolean write(ByteBuffer frame) throws IOException;

    /**
     * True when frames in both directions start with a 12-byte struct virtio_net_hdr_v1 (a TAP opened
     * with IFF_VNET_HDR and TUNSETVNETHDRSZ 12). Required for the checksum and TSO offloads; without
     * it the device strips the header on transmit and makes an empty one on receive.
     */
    default boolean hasVnetHeader() {
        return false;
    }

    /**
     * The driver accepted {@code guestFeatures} (VIRTIO_NET_F_GUEST_CSUM, _GUEST_TSO4...): the back
     * end may now send frames that need them (on a TAP: TUNSETOFFLOAD with the matching TUN_F_*).
     * Called at activation; the default ignores it.
     */
    default void setOffloads(long guestFeatures) throws IOException {
    }
}
