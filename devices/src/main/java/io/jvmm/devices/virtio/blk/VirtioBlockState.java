package io.jvmm.devices.virtio.blk;

/**
 * The guest-visible configuration of a {@link VirtioBlock}, as {@link VirtioBlock#state()} hands it out
 * and {@link VirtioBlock#restore} checks it against the disk the machine opens again. The disk's path is
 * the machine's business, not the device's; its queue is in the transport's record.
 *
 * @param capacity the disk size the guest saw, in 512-byte sectors
 * @param readOnly VIRTIO_BLK_F_RO was offered
 * @param serial   the VIRTIO_BLK_T_GET_ID answer, ASCII, at most 20 characters
 */
public record VirtioBlockState(long capacity, boolean readOnly, String serial) {
}
