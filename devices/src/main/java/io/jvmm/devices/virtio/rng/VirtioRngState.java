package io.jvmm.devices.virtio.rng;

/**
 * The state of a {@link VirtioRng} beside its queue (which is in the transport's record): none. The
 * entropy source is the host's; the record exists so that every device has one and the snapshot format
 * treats them alike.
 */
public record VirtioRngState() {
}
