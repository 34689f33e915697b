package io.jvmm.images.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bundle/: an OCI runtime bundle (runtime-spec "bundle.md": config.json + root filesystem) of the
 * same busybox tree. config.json runs /init with JVMM_CONTAINER=1, which prints the same marker
 * line as the VM and exits, for the boot-versus-container benchmark. No terminal, read-only root.
 */
public final class OciBundle {
    public static final String CONFIG = "config.json";
    public static final String ROOTFS = "rootfs";

    private OciBundle() {
    }

    public static void write(GuestTree tree, Path bundleDir) throws IOException {
        Files.createDirectories(bundleDir.resolve(ROOTFS));
        tree.writeTo(bundleDir.resolve(ROOTFS));
        Files.write(bundleDir.resolve(CONFIG), Resources.load(Resources.BUNDLE_CONFIG));
    }
}
