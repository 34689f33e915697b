package io.jvmm.devices.virtio.net;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The state of a {@link VirtioNet} beside its queues (which are in the transport's record), as
 * {@link VirtioNet#state()} hands it out and {@link VirtioNet#restore} takes it back.
 *
 * @param mac            the MAC address in the config space, "52:54:00:12:34:56"
 * @param offloads       checksum and TSO offloads were offered
 * @param vnetHeader     the back end passed struct virtio_net_hdr_v1 with each frame (IFF_VNET_HDR); the
 *                       back end given on restore must do the same
 * @param rxPendingFrame a frame read from the back end that waited for a guest receive buffer (the device
 *                       was rx-stalled), as the back end gave it; empty when none
 */
public record VirtioNetState(String mac, boolean offloads, boolean vnetHeader, byte[] rxPendingFrame) {

    public VirtioNetState {
        rxPendingFrame = rxPendingFrame == null ? null : rxPendingFrame.clone(); // null refused by restore
    }

    @Override
    public byte[] rxPendingFrame() {
        return rxPendingFrame == null ? null : rxPendingFrame.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VirtioNetState s && Objects.equals(mac, s.mac) && offloads == s.offloads
                && vnetHeader == s.vnetHeader && Arrays.equals(rxPendingFrame, s.rxPendingFrame);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mac, offloads, vnetHeader) * 31 + Arrays.hashCode(rxPendingFrame);
    }

    @Override
    public String toString() {
        return "VirtioNetState[mac=" + mac + ", offloads=" + offloads + ", vnetHeader=" + vnetHeader
                + ", rxPendingFrame=" + (rxPendingFrame == null ? "null"
                : rxPendingFrame.length + " bytes " + HexFormat.of().formatHex(rxPendingFrame,
                        0, Math.min(rxPendingFrame.length, 32))) + "]";
    }
}
