/** Emulated devices. They see guest memory, bus offsets, interrupt lines and a clock; never KVM. */
module io.jvmm.devices {
    requires transitive io.jvmm.core;
    requires org.slf4j;

    exports io.jvmm.devices;
    exports io.jvmm.devices.legacy;
    exports io.jvmm.devices.virtio;
    exports io.jvmm.devices.virtio.blk;
    exports io.jvmm.devices.virtio.net;
    exports io.jvmm.devices.virtio.rng;
}
