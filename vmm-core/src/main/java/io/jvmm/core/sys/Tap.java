package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A TAP network interface (Documentation/networking/tuntap.rst): opening /dev/net/tun and TUNSETIFF
 * with IFF_TAP attaches to the interface {@code name}, or creates it (root only) if it does not exist;
 * a created interface disappears when the descriptor is closed. Reads and writes are whole Ethernet
 * frames, optionally preceded by a virtio_net_hdr_v1 (IFF_VNET_HDR).
 */
public final class Tap {
    static final String DEV_NET_TUN = "/dev/net/tun";
    // <linux/if_tun.h>: _IOW('T', nr, int)
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    /** struct ifreq: char ifr_name[IFNAMSIZ = 16]; union { short ifr_flags; ... } (24 bytes). */
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;
    /** sizeof(struct virtio_net_hdr_v1). */
    public static final int VNET_HDR_SIZE = 12;

    private Tap() {
    }

    /**
     * Opens TAP {@code name} non-blocking. With {@code vnetHeader} every frame carries a 12-byte
     * virtio_net_hdr_v1. Returns the descriptor; errors name the interface and the likely fix.
     */
    public static OwnedFd open(String name, boolean vnetHeader) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("TAP name '" + name + "' must be 1 to 15 characters");
        }
        OwnedFd fd = Sys.open(DEV_NET_TUN, Sys.O_RDWR | Sys.O_NONBLOCK | Sys.O_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifr = a.allocate(IFREQ_SIZE);
            MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
            ifr.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0)));
            Sys.ioctl(fd.fd(), TUNSETIFF, "TUNSETIFF " + name, ifr);
            if (vnetHeader) {
                MemorySegment size = a.allocate(ValueLayout.JAVA_INT);
                size.set(ValueLayout.JAVA_INT, 0, VNET_HDR_SIZE);
                Sys.ioctl(fd.fd(), TUNSETVNETHDRSZ, "TUNSETVNETHDRSZ", size);
            }
            return fd;
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** TUNSETOFFLOAD: which offloads (TUN_F_CSUM 1, TUN_F_TSO4 2, TUN_F_TSO6 4, ...) the TAP may send. */
    public static void setOffload(OwnedFd tap, int tunFlags) {
        Sys.ioctl(tap.fd(), TUNSETOFFLOAD, "TUNSETOFFLOAD", tunFlags);
    }
}
