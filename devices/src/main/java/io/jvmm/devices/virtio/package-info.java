/**
 * virtio over MMIO (virtio 1.2 sections 2, 4.2): the transport ({@link io.jvmm.devices.virtio.VirtioMmioTransport}),
 * the split virtqueue ({@link io.jvmm.devices.virtio.Virtqueue}) and the device interface the
 * virtio-blk, virtio-net and virtio-rng front ends implement. Nothing here knows KVM.
 *
 * <p>How the machine assembly wires device n (Firecracker's layout):
 * <pre>
 *   base = 0xC000_1000 + n * 0x1000, length VirtioMmio.VIRTIO_MMIO_SIZE (0x1000), GSI 5 + n (legacy 5..23)
 *   transport = new VirtioMmioTransport("virtio-blk0", device, guestMemory, irqfdLineForGsi)
 *   mmioBus.insert(name, base, VIRTIO_MMIO_SIZE, transport)
 *   for q in 0 until transport.queueCount():
 *       ioeventfd at base + VIRTIO_MMIO_QUEUE_NOTIFY, 4 bytes, datamatch q  -> I/O thread: transport.notifyQueue(q)
 *   optional: transport.setQueueNotifyHandler(q -> ioThread.post(q))   (writes that still reach the bus)
 *   net only: TAP fd readable -> I/O thread: transport.backendReady()  (stop polling while net.isRxStalled())
 *   kernel command line: "virtio_mmio.device=4K@0x&lt;base hex&gt;:&lt;GSI&gt;"
 * </pre>
 *
 * <p>Snapshot and restore (vCPUs and the I/O thread paused first):
 * <pre>
 *   save:    blkState = blk.state(); busState = transport.state()          (VirtioBlockState, VirtioMmioState)
 *   restore: blk = VirtioBlock.restore("virtio-blk0", blkState, reopenedBackend)
 *            transport = VirtioMmioTransport.restore("virtio-blk0", busState, blk, guestMemory, irqfdLine)
 *            then wire bus, ioeventfds and irqfd as above; after resume, transport.notifyQueue(q) for each q
 * </pre>
 * Both factories throw {@link io.jvmm.devices.DeviceStateException} for a record that does not fit.
 */
package io.jvmm.devices.virtio;
