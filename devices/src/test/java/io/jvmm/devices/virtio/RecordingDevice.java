package io.jvmm.devices.virtio;

import java.util.ArrayList;
import java.util.List;

/**
 * A minimal device for transport and queue tests: two queues, an 8-byte config space, and queue
 * processing that records each chain and answers it by filling its writable part with 0xab.
 */
final class RecordingDevice extends AbstractVirtioDevice {
    static final int TYPE = 42;
    static final int DEVICE_FEATURE_BIT = 3;

    final List<DescriptorChain> chains = new ArrayList<>();
    final byte[] config = {1, 2, 3, 4, 5, 6, 7, 8};
    int activations;
    int resets;
    int notifications;
    long activatedFeatures;
    /** Runs as each chain is taken, while the device is still processing. */
    Runnable onChain = () -> { };

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VirtioConfig.bit(DEVICE_FEATURE_BIT);
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return index == 0 ? 16 : 64;
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        readConfigImage(config, offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        if (offset >= 0 && offset + data.length <= config.length) {
            System.arraycopy(data, 0, config, (int) offset, data.length);
        }
    }

    @Override
    protected void onActivate() {
        activations++;
        activatedFeatures = ackedFeatures;
    }

    @Override
    protected void onReset() {
        resets++;
    }

    /** Raises a config change as a device would when its configuration changed. */
    void changeConfig() {
        interrupt.signalConfigChange();
    }

    @Override
    public void queueNotified(int index) {
        notifications++;
        Virtqueue q = queue(index);
        if (q == null) {
            return;
        }
        boolean used = false;
        DescriptorChain chain;
        while ((chain = pop(q)) != null) {
            chains.add(chain);
            onChain.run();
            byte[] fill = new byte[(int) Math.min(chain.writableLength(), 1 << 20)];
            java.util.Arrays.fill(fill, (byte) 0xab);
            int n = chain.write(memory, 0, fill, 0, fill.length);
            q.addUsed(chain.headIndex(), n);
            used = true;
        }
        if (used) {
            interrupt.signalUsedBuffer(q);
        }
    }
}
