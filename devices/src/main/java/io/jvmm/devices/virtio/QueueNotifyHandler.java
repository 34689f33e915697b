package io.jvmm.devices.virtio;

/**
 * Where a QueueNotify register write that reached the bus goes. With an ioeventfd registered on
 * QueueNotify, KVM consumes the write and the assembly's I/O thread calls
 * {@link VirtioMmioTransport#notifyQueue(int)} itself; this handler is for writes that still arrive
 * on a vCPU thread (no ioeventfd, or a datamatch that did not match). The default processes the queue
 * inline on the vCPU thread; the assembly may instead hand the index to its I/O thread.
 */
@FunctionalInterface
public interface QueueNotifyHandler {
    void queueNotified(int queueIndex);
}
