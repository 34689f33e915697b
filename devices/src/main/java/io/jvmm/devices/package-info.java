/**
 * What all emulated devices share: {@link io.jvmm.devices.DeviceStateException}, the error of every
 * device's {@code restore} factory.
 *
 * <p>Snapshots, as Firecracker's {@code Persist} and rust-vmm's {@code SerialState} / {@code QueueState}
 * do it: every device hands out its state as an immutable record of plain data ({@code Serial.state()}
 * gives a {@code SerialState}), and a static factory rebuilds the device from one
 * ({@code Serial.restore(state, ...)}), treating the record as untrusted. State is taken only while the
 * device is quiescent: the machine has paused its vCPUs and its I/O thread first. Host resources (a disk
 * file, a TAP, the console) are the machine's: it opens them again and hands them to the factory.
 */
package io.jvmm.devices;
