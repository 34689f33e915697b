package io.jvmm.images;

import io.jvmm.images.build.CpioWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Extra files for a guest's initramfs, without rebuilding the image: a second gzip'd newc archive to
 * append to an image's {@code initramfs.cpio.gz}. The kernel unpacks concatenated archives one after
 * the other into the same rootfs (Documentation/driver-api/early-userspace/buffer-format.rst), and
 * jvmm's host-side inflate reads concatenated gzip members too. Tests use it to bring their own guest
 * programs; the cached image is never changed.
 */
public final class InitramfsAppendix {
    private InitramfsAppendix() {
    }

    /**
     * A gzip'd newc archive holding {@code executables} (absolute guest path → contents, mode 0755);
     * parent directories must already exist in the base archive (/bin does in every jvmm image).
     */
    public static byte[] of(Map<String, byte[]> executables) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes);
             CpioWriter cpio = new CpioWriter(gz, 0)) {
            for (var e : new TreeMap<>(executables).entrySet()) {
                cpio.file(e.getKey(), 0755, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("initramfs appendix: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code base} followed by {@link #of executables} to {@code target}. */
    public static void writeExtended(Path base, Map<String, byte[]> executables, Path target) throws IOException {
        byte[] head = Files.readAllBytes(base);
        byte[] tail = of(executables);
        byte[] all = new byte[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        Files.write(target, all);
    }
}
