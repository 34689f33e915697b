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
     * Debian's prebuilt cloud kernel ({@code linux-image-cloud-amd64}) with its virtio modules
     * loaded by /init. Its virtio-mmio driver finds devices only through ACPI.
     */
    DEBIAN("debian");

    private final String id;

    Profile(String id) {
        this.id = id;
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
