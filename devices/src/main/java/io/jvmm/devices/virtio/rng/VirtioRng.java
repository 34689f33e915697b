package io.jvmm.devices.virtio.rng;

import io.jvmm.devices.virtio.AbstractVirtioDevice;
import io.jvmm.devices.virtio.DescriptorChain;
import io.jvmm.devices.virtio.VirtioIds;
import io.jvmm.devices.virtio.Virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Random;

/**
 * virtio-rng, the entropy device (virtio 1.2 section 5.4): one request queue of device-writable
 * buffers, each filled with random bytes. No features, no configuration space.
 */
public final class VirtioRng extends AbstractVirtioDevice {
    public static final int QUEUE_SIZE = 256;
    /**
     * Most bytes given per request. Section 5.4.6.1 lets the device fill less than the buffer; the
     * cap bounds the time one request takes however large the guest's buffer is.
     */
    public static final int MAX_BYTES_PER_REQUEST = 64 * 1024;

    private final Random source;

    /** Entropy from the host's {@link SecureRandom} (the platform default: /dev/urandom on Linux). */
    public VirtioRng() {
        this(new SecureRandom());
    }

    /** Entropy from {@code source}: a {@link SecureRandom} in a VM, a seeded Random in tests. */
    public VirtioRng(Random source) {
        this.source = Objects.requireNonNull(source);
    }

    /** The device's state beside its queue, for a snapshot: it has none (see {@link VirtioRngState}). */
    public VirtioRngState state() {
        return new VirtioRngState();
    }

    /** A device in the state a snapshot recorded, drawing entropy from the host's {@link SecureRandom}. */
    public static VirtioRng restore(VirtioRngState state) {
        Objects.requireNonNull(state, "state");
        return new VirtioRng();
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_RNG;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        readConfigImage(new byte[0], offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue q = queue(index);
        if (q == null) {
            return;
        }
        boolean used = false;
        DescriptorChain chain;
        while ((chain = pop(q)) != null) {
            // Readable buffers are a driver error (section 5.4.5) that harms nobody: they are ignored.
            long len = Math.min(chain.writableLength(), MAX_BYTES_PER_REQUEST);
            byte[] bytes = new byte[(int) len];
            source.nextBytes(bytes);
            int done = 0;
            for (MemorySegment s : chain.writableSlices(memory, 0, len)) {
                MemorySegment.copy(bytes, done, s, ValueLayout.JAVA_BYTE, 0, (int) s.byteSize());
                done += (int) s.byteSize();
            }
            q.addUsed(chain.headIndex(), done);
            used = true;
        }
        if (used) {
            interrupt.signalUsedBuffer(q);
        }
    }
}
