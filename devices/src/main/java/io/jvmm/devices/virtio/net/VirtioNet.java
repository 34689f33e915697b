package io.jvmm.devices.virtio.net;

import io.jvmm.devices.DeviceStateException;
import io.jvmm.devices.virtio.AbstractVirtioDevice;
import io.jvmm.devices.virtio.DescriptorChain;
import io.jvmm.devices.virtio.VirtioCounters.Counter;
import io.jvmm.devices.virtio.VirtioIds;
import io.jvmm.devices.virtio.Virtqueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

import static io.jvmm.devices.virtio.VirtioConfig.bit;

/**
 * virtio-net front end (virtio 1.2 section 5.1): queue 0 receiveq, queue 1 transmitq, no control
 * queue, no multiqueue. Every buffer starts with the 12-byte header of a VERSION_1 device:
 *
 * <pre>
 * struct virtio_net_hdr_v1 {
 *   +0  u8   flags;        VIRTIO_NET_HDR_F_NEEDS_CSUM...
 *   +1  u8   gso_type;     VIRTIO_NET_HDR_GSO_NONE...
 *   +2  le16 hdr_len;
 *   +4  le16 gso_size;
 *   +6  le16 csum_start;
 *   +8  le16 csum_offset;
 *   +10 le16 num_buffers;  1: VIRTIO_NET_F_MRG_RXBUF is not offered
 * };                       followed by the Ethernet frame
 * </pre>
 *
 * Offloads (checksum, TSO) are off unless asked for, and need a back end that passes the header
 * through ({@link NetBackend#hasVnetHeader()}). A received frame that does not fit the guest's next
 * buffer is dropped and counted (RX_DROPPED); so is a transmitted chain too large or too small to be a
 * frame (TX_DROPPED).
 */
public final class VirtioNet extends AbstractVirtioDevice {
    public static final int VIRTIO_NET_F_CSUM = 0;
    public static final int VIRTIO_NET_F_GUEST_CSUM = 1;
    public static final int VIRTIO_NET_F_MAC = 5;
    public static final int VIRTIO_NET_F_GUEST_TSO4 = 7;
    public static final int VIRTIO_NET_F_GUEST_TSO6 = 8;
    public static final int VIRTIO_NET_F_HOST_TSO4 = 11;
    public static final int VIRTIO_NET_F_HOST_TSO6 = 12;
    public static final int VIRTIO_NET_F_STATUS = 16;
    public static final int VIRTIO_NET_S_LINK_UP = 1;

    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;
    public static final int QUEUE_SIZE = 256;
    /** sizeof(struct virtio_net_hdr_v1). */
    public static final int VIRTIO_NET_HDR_SIZE = 12;
    static final int NUM_BUFFERS_OFFSET = 10;
    /** Ethernet header: a shorter frame is not a frame. */
    public static final int ETH_HLEN = 14;
    /** Largest frame in either direction: a 64 KiB TSO segment plus headers (as Firecracker). */
    public static final int MAX_FRAME_SIZE = 65550;

    private static final long OFFLOAD_FEATURES = bit(VIRTIO_NET_F_CSUM) | bit(VIRTIO_NET_F_GUEST_CSUM)
            | bit(VIRTIO_NET_F_GUEST_TSO4) | bit(VIRTIO_NET_F_GUEST_TSO6)
            | bit(VIRTIO_NET_F_HOST_TSO4) | bit(VIRTIO_NET_F_HOST_TSO6);

    private final NetBackend backend;
    private final byte[] mac;
    private final boolean offloads;
    private final byte[] config = new byte[8];
    private final ByteBuffer rxFrame = ByteBuffer.allocateDirect(MAX_FRAME_SIZE + VIRTIO_NET_HDR_SIZE);
    private final byte[] txFrame = new byte[MAX_FRAME_SIZE + VIRTIO_NET_HDR_SIZE];
    private int rxPendingLen;             // a frame read from the back end, not yet given to the guest
    private volatile boolean rxStalled;   // rxPendingLen > 0 and the guest has no receive buffer
    private volatile boolean rxLive;      // active, with a receive queue the driver made ready and did not break

    /**
     * @param backend  the frames' source and sink
     * @param mac      6 bytes, or null for a random locally administered address
     * @param offloads offer checksum and TSO offloads; needs {@code backend.hasVnetHeader()}
     */
    public VirtioNet(NetBackend backend, byte[] mac, boolean offloads) {
        this.backend = Objects.requireNonNull(backend);
        if (mac != null && mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        if (offloads && !backend.hasVnetHeader()) {
            throw new IllegalArgumentException("virtio-net offloads need a back end with a vnet header (IFF_VNET_HDR)");
        }
        this.mac = mac != null ? mac.clone() : randomMac();
        this.offloads = offloads;
        // struct virtio_net_config (section 5.1.4): +0 u8 mac[6] | +6 le16 status
        System.arraycopy(this.mac, 0, config, 0, 6);
        config[6] = VIRTIO_NET_S_LINK_UP;
    }

    /**
     * The device's state beside its queues, for a snapshot: MAC, offloads and a received frame still
     * waiting for a guest buffer (rx-stalled).
     *
     * <p>Precondition: the device is quiescent — the machine has paused the I/O thread, which processes
     * the queues, and that pause orders its last writes before this read.
     */
    public VirtioNetState state() {
        byte[] pending = new byte[rxPendingLen];
        rxFrame.get(0, pending);
        return new VirtioNetState(formatMac(mac), offloads, backend.hasVnetHeader(), pending);
    }

    /**
     * A device on {@code backend} in the state a snapshot recorded; the transport's restore then activates
     * it. A pending frame is kept and the device starts rx-stalled: the first receive-queue notification
     * (see {@link io.jvmm.devices.virtio.VirtioMmioTransport#restore}) delivers it. The record is
     * untrusted: a bad or multicast MAC, offloads or a header mode the back end does not match, or a
     * pending frame that is no frame throws {@link io.jvmm.devices.DeviceStateException}.
     *
     * @param name names the device in errors ("virtio-net0")
     */
    public static VirtioNet restore(String name, VirtioNetState state, NetBackend backend) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(backend, "backend");
        if (state.mac() == null) {
            throw new DeviceStateException(name, "mac is missing");
        }
        byte[] mac;
        try {
            mac = parseMac(state.mac());
        } catch (IllegalArgumentException e) {
            throw new DeviceStateException(name, "mac: " + e.getMessage());
        }
        if (state.vnetHeader() != backend.hasVnetHeader()) {
            throw new DeviceStateException(name, "vnetHeader is " + state.vnetHeader() + " in the record, but the"
                    + " back end given " + (backend.hasVnetHeader() ? "passes" : "does not pass") + " vnet headers");
        }
        if (state.offloads() && !backend.hasVnetHeader()) {
            throw new DeviceStateException(name, "offloads need a back end with a vnet header");
        }
        byte[] frame = state.rxPendingFrame();
        if (frame == null) {
            throw new DeviceStateException(name, "rxPendingFrame is missing");
        }
        int minimum = (backend.hasVnetHeader() ? VIRTIO_NET_HDR_SIZE : 0) + ETH_HLEN;
        int maximum = MAX_FRAME_SIZE + (backend.hasVnetHeader() ? VIRTIO_NET_HDR_SIZE : 0);
        if (frame.length != 0 && (frame.length < minimum || frame.length > maximum)) {
            throw new DeviceStateException(name, "rxPendingFrame of " + frame.length + " bytes is not a frame ("
                    + minimum + " to " + maximum + " bytes)");
        }
        VirtioNet net = new VirtioNet(backend, mac, state.offloads());
        net.rxFrame.put(0, frame);
        net.rxPendingLen = frame.length;
        net.rxStalled = frame.length > 0;
        return net;
    }

    /** "52:54:00:12:34:56", the form {@link #parseMac} reads. */
    public static String formatMac(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }

    /** A random unicast, locally administered MAC address (bit 1 of the first byte set, bit 0 clear). */
    public static byte[] randomMac() {
        byte[] m = new byte[6];
        new SecureRandom().nextBytes(m);
        m[0] = (byte) ((m[0] & 0xfe) | 0x02);
        return m;
    }

    /** Parses "52:54:00:12:34:56"; throws IllegalArgumentException naming the bad text. */
    public static byte[] parseMac(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("bad MAC address '" + text + "': expected 6 hex bytes like 52:54:00:12:34:56");
        }
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2) {
                throw new IllegalArgumentException("bad MAC address '" + text + "': expected 6 hex bytes like 52:54:00:12:34:56");
            }
            try {
                m[i] = (byte) HexFormat.fromHexDigits(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad MAC address '" + text + "': '" + parts[i] + "' is not hex");
            }
        }
        if ((m[0] & 1) != 0) {
            throw new IllegalArgumentException("bad MAC address '" + text + "': a multicast address cannot be a NIC's");
        }
        return m;
    }

    public byte[] mac() {
        return mac.clone();
    }

    /**
     * True while a frame from the back end waits for a guest receive buffer. The I/O thread should stop
     * polling the back end for input meanwhile (a level-triggered poll would spin); the guest adding
     * buffers notifies the receive queue, which delivers the frame and clears this.
     */
    public boolean isRxStalled() {
        return rxStalled;
    }

    /**
     * Back-end input can move only into a live receive queue with room: not before activation, not when
     * the driver left queue 0 unready (it stays so until a reset), not once the queue broke, and not while
     * a frame waits for a buffer. Otherwise {@link #backendReady()} would return without reading, and a
     * readable TAP would keep the I/O thread spinning. The receive queue's notify re-arms the poll.
     */
    @Override
    public boolean wantsBackendInput() {
        return rxLive && !rxStalled;
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_NET;
    }

    @Override
    public long deviceFeatures() {
        long f = bit(VIRTIO_NET_F_MAC) | bit(VIRTIO_NET_F_STATUS);
        return offloads ? f | OFFLOAD_FEATURES : f;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        readConfigImage(config, offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // The MAC is driver-writable only with VIRTIO_NET_F_CTRL_MAC_ADDR-less legacy devices; ignored.
    }

    @Override
    protected void onActivate() {
        rxLive = queue(RX_QUEUE) != null;
        if (offloads) {
            try {
                backend.setOffloads(ackedFeatures & OFFLOAD_FEATURES);
            } catch (IOException e) {
                counters.increment(Counter.BACKEND_ERROR);
            }
        }
    }

    @Override
    protected void onReset() {
        rxLive = false;
        rxPendingLen = 0;
        rxStalled = false;
    }

    @Override
    public void queueNotified(int index) {
        if (index == TX_QUEUE) {
            processTx();
        } else if (index == RX_QUEUE) {
            processRx(); // the guest added receive buffers
        }
    }

    @Override
    public void backendReady() {
        processRx();
    }

    /** Sends every frame the guest made available on the transmit queue (section 5.1.6.2). */
    private void processTx() {
        Virtqueue q = queue(TX_QUEUE);
        if (q == null) {
            return;
        }
        boolean used = false;
        DescriptorChain chain;
        while ((chain = pop(q)) != null) {
            long len = chain.readableLength();
            if (len < VIRTIO_NET_HDR_SIZE + ETH_HLEN || len > txFrame.length) {
                counters.increment(Counter.TX_DROPPED);
            } else {
                chain.read(memory, 0, txFrame, 0, (int) len);
                int skip = backend.hasVnetHeader() ? 0 : VIRTIO_NET_HDR_SIZE;
                try {
                    if (!backend.write(ByteBuffer.wrap(txFrame, skip, (int) len - skip))) {
                        counters.increment(Counter.TX_DROPPED);
                    }
                } catch (IOException e) {
                    counters.increment(Counter.BACKEND_ERROR);
                    counters.increment(Counter.TX_DROPPED);
                }
            }
            q.addUsed(chain.headIndex(), 0); // the device wrote nothing into a transmit buffer
            used = true;
        }
        if (used) {
            interrupt.signalUsedBuffer(q);
        }
    }

    /** Moves frames from the back end into the guest's receive buffers (section 5.1.6.3). */
    private void processRx() {
        Virtqueue q = queue(RX_QUEUE);
        if (q == null) {
            rxLive = false;
            return;
        }
        boolean used = false;
        while (true) {
            if (rxPendingLen == 0 && !readFrame()) {
                break;
            }
            DescriptorChain chain = pop(q);
            if (chain == null) {
                rxStalled = !q.isBroken();
                rxLive = !q.isBroken();
                break;
            }
            rxStalled = false;
            boolean withHeader = backend.hasVnetHeader();
            long needed = rxPendingLen + (withHeader ? 0 : VIRTIO_NET_HDR_SIZE);
            if (chain.writableLength() < needed) {
                // No VIRTIO_NET_F_MRG_RXBUF: a frame must fit one buffer. Drop the frame, keep the buffer.
                counters.increment(Counter.RX_DROPPED);
                q.undoPop();
                rxPendingLen = 0;
                continue;
            }
            byte[] frame = new byte[rxPendingLen];
            rxFrame.get(0, frame);
            long off = 0;
            if (!withHeader) {
                byte[] hdr = new byte[VIRTIO_NET_HDR_SIZE]; // no offload: flags 0, GSO_NONE
                hdr[NUM_BUFFERS_OFFSET] = 1;
                off = chain.write(memory, 0, hdr, 0, hdr.length);
            } else {
                frame[NUM_BUFFERS_OFFSET] = 1;
                frame[NUM_BUFFERS_OFFSET + 1] = 0;
            }
            off += chain.write(memory, off, frame, 0, frame.length);
            q.addUsed(chain.headIndex(), off);
            used = true;
            rxPendingLen = 0;
        }
        if (used) {
            interrupt.signalUsedBuffer(q);
        }
    }

    /** Reads the next frame from the back end into rxFrame; false when none is waiting. */
    private boolean readFrame() {
        int minimum = (backend.hasVnetHeader() ? VIRTIO_NET_HDR_SIZE : 0) + ETH_HLEN;
        while (true) {
            rxFrame.clear();
            int n;
            try {
                n = backend.read(rxFrame);
            } catch (IOException e) {
                counters.increment(Counter.BACKEND_ERROR);
                return false;
            }
            if (n <= 0) {
                return false;
            }
            if (n >= minimum) {
                rxPendingLen = n;
                return true;
            }
            counters.increment(Counter.RX_DROPPED); // a runt from the back end
        }
    }
}
