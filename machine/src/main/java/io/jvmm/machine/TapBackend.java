package io.jvmm.machine;

import io.jvmm.core.sys.Errno;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.Tap;
import io.jvmm.devices.virtio.net.NetBackend;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * virtio-net's back end on a host TAP interface: one read(2) or write(2) per frame on a non-blocking
 * descriptor, with a virtio_net_hdr_v1 in front of each frame (IFF_VNET_HDR) so that offloads can be
 * passed through when the guest accepts them.
 */
final class TapBackend implements NetBackend {
    // <linux/if_tun.h>
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    private static final int TUN_F_TSO6 = 0x04;
    // virtio 1.2 section 5.1.3: guest feature bits that let the host send such frames
    private static final long VIRTIO_NET_F_GUEST_CSUM = 1L << 1;
    private static final long VIRTIO_NET_F_GUEST_TSO4 = 1L << 7;
    private static final long VIRTIO_NET_F_GUEST_TSO6 = 1L << 8;

    private final String name;
    private final OwnedFd fd;
    /** Native staging buffer for frames handed over in heap buffers (write(2) needs native memory). */
    private final ByteBuffer staging = ByteBuffer.allocateDirect(65_562 + Tap.VNET_HDR_SIZE);

    private TapBackend(String name, OwnedFd fd) {
        this.name = name;
        this.fd = fd;
    }

    static TapBackend open(String name) {
        return new TapBackend(name, Tap.open(name, true));
    }

    int fd() {
        return fd.fd();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ByteBuffer target = dst.isDirect() ? dst : staging.clear().limit(Math.min(staging.capacity(), dst.remaining()));
        // read(2) writes at most target.remaining() bytes, the size of this segment.
        long n = Sys.read(fd.fd(), MemorySegment.ofBuffer(target), "tap " + name);
        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            return 0;
        }
        if (!dst.isDirect()) {
            dst.put(dst.position(), staging, 0, (int) n);
        }
        return (int) n;
    }

    @Override
    public boolean write(ByteBuffer frame) throws IOException {
        ByteBuffer source = frame;
        if (!frame.isDirect()) {
            if (frame.remaining() > staging.capacity()) {
                return false;
            }
            staging.clear().put(frame.duplicate()).flip();
            source = staging;
        }
        long n = Sys.write(fd.fd(), MemorySegment.ofBuffer(source), "tap " + name);
        return n >= 0;
    }

    @Override
    public boolean hasVnetHeader() {
        return true;
    }

    @Override
    public void setOffloads(long guestFeatures) {
        int flags = 0;
        if ((guestFeatures & VIRTIO_NET_F_GUEST_CSUM) != 0) {
            flags |= TUN_F_CSUM;
            if ((guestFeatures & VIRTIO_NET_F_GUEST_TSO4) != 0) {
                flags |= TUN_F_TSO4;
            }
            if ((guestFeatures & VIRTIO_NET_F_GUEST_TSO6) != 0) {
                flags |= TUN_F_TSO6;
            }
        }
        Tap.setOffload(fd, flags);
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "tap " + name;
    }
}
