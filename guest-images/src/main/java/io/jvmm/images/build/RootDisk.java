package io.jvmm.images.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * rootfs.ext4: the busybox tree plus /payload, made by e2fsprogs' {@code mke2fs -d} from a
 * staging directory (no loop mount, no root needed). UUID and directory-hash seed are fixed so
 * the same tree gives the same image apart from mke2fs's own timestamps.
 */
public final class RootDisk {
    public static final String PACKAGE = "e2fsprogs";
    /** Large enough for busybox, the payload and some room for guest writes. */
    static final String SIZE = "32M";
    static final String UUID = "6a766d6d-0000-4000-8000-726f6f746673";

    private final Host host;

    public RootDisk(Host host) {
        this.host = host;
    }

    public void build(GuestTree tree, Path image, Path staging) throws IOException {
        ImageCache.deleteTree(staging);
        Files.createDirectories(staging);
        try {
            tree.writeTo(staging);
            host.run("make root disk", List.of("mke2fs", "-q", "-F", "-t", "ext4", "-L", "jvmm-root",
                    "-U", UUID, "-E", "root_owner=0:0,hash_seed=" + UUID, "-d", staging.toString(),
                    image.toString(), SIZE), null, Map.of("E2FSPROGS_FAKE_TIME", "1767225600"), line -> { });
        } finally {
            ImageCache.deleteTree(staging);
        }
    }
}
