package io.jvmm.images;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One built set of guest artifacts: a directory {@code <profile>-<input hash>} in the image cache.
 * The file names inside are fixed; this record only resolves them.
 *
 * @param name      the directory name, {@code <profile>-<first 16 hex digits of the input hash>}
 * @param directory absolute path of that directory
 */
public record ImageSet(String name, Path directory) {
    public static final String VMLINUX = "vmlinux";
    public static final String BZIMAGE = "bzImage";
    public static final String SYSTEM_MAP = "System.map";
    public static final String INITRAMFS = "initramfs.cpio.gz";
    public static final String ROOTFS = "rootfs.ext4";
    public static final String BUNDLE = "bundle";
    public static final String MANIFEST = "manifest.json";

    /** The files every complete image set holds (bundle/ is a directory). */
    public static final List<String> ARTIFACTS =
            List.of(VMLINUX, BZIMAGE, SYSTEM_MAP, INITRAMFS, ROOTFS, BUNDLE, MANIFEST);

    public ImageSet {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(directory, "directory");
    }

    /** Uncompressed ELF kernel; boots through its PVH entry note. */
    public Path vmlinux() {
        return directory.resolve(VMLINUX);
    }

    /** Compressed kernel with the x86 boot protocol setup header. */
    public Path bzImage() {
        return directory.resolve(BZIMAGE);
    }

    public Path systemMap() {
        return directory.resolve(SYSTEM_MAP);
    }

    /** newc cpio, gzip: busybox and jvmm's /init. */
    public Path initramfs() {
        return directory.resolve(INITRAMFS);
    }

    /** ext4 root disk (busybox tree plus /payload) for virtio-blk. */
    public Path rootfs() {
        return directory.resolve(ROOTFS);
    }

    /** OCI bundle directory (config.json + rootfs/) for crun/runc. */
    public Path bundle() {
        return directory.resolve(BUNDLE);
    }

    public Path manifest() {
        return directory.resolve(MANIFEST);
    }

    /** True when every artifact is present; the manifest is written last, so it marks completion. */
    public boolean isComplete() {
        return ARTIFACTS.stream().allMatch(a -> Files.exists(directory.resolve(a)));
    }
}
