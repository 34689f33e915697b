package io.jvmm.images;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which guest kernel an image set is built around. */
public enum Profile {
    /**
     * Linux 6.1 from Debian's {@code linux-source-6.1}, tinyconfig plus jvmm's fragment and patches:
     * everything built in, boots through PVH, finds virtio-mmio devices on the command line.
     */
    MINIMAL("minimal"),
    /**
     * The minimal kernel with {@code kernel/acpi.config} merged over its fragment: CONFIG_ACPI, and no
     * command-line virtio-mmio discovery, so it finds its devices through jvmm's ACPI tables alone and
     * powers off through ACPI S5. Same source, patches, initramfs and root disk as {@link #MINIMAL}.
     */
    ACPI("acpi"),
    /**
     * Debian's prebuilt cloud kernel ({@code linux-image-cloud-amd64}) with its virtio modules
     * loaded by /init. Its virtio-mmio driver finds devices only through ACPI.
     */
    DEBIAN("debian");

    private final String id;

    Profile(String id) {
        this.id = id;
    }

    /** Whether the kernel is built from linux-source with jvmm's fragments (not Debian's prebuilt one). */
    public boolean buildsKernel() {
        return this != DEBIAN;
    }

    /** The name used on the command line and as the prefix of the cache directory. */
    public String id() {
        return id;
    }

    /** Parses a profile name; the error message lists the valid names. */
    public static Profile fromId(String id) {
        for (Profile p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown image profile '" + id + "' (valid: "
                + Arrays.stream(values()).map(Profile::id).collect(Collectors.joining(", ")) + ")");
    }
}
