package io.jvmm.cli;

import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jvmm images list} on a copy of the built image: intact, then with a changed root disk. */
@Timeout(120)
class ImagesListTest {
    @TempDir
    Path cache;

    @Test
    void aChangedRootDiskIsMarkedModified() throws Exception {
        ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).orElse(null);
        assumeTrue(image != null, "no minimal guest image: run ./jvmm images build first");
        Path copy = cache.resolve(image.name());
        try (Stream<Path> files = Files.walk(image.directory())) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(image.directory().relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(to, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Files.createSymbolicLink(cache.resolve(GuestImages.CURRENT), Path.of(image.name()));

        var intact = JvmmProcess.run(60, null, "images", "list", "--cache-dir", cache.toString());
        assertEquals(0, intact.status(), intact.stderr());
        assertTrue(intact.stdout().contains(image.name()) && intact.stdout().contains("(current)"), intact.stdout());
        assertFalse(intact.stdout().contains("modified"), intact.stdout());

        try (var ch = java.nio.channels.FileChannel.open(copy.resolve(ImageSet.ROOTFS), StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("a guest wrote here".getBytes()), 4096);
        }
        var modified = JvmmProcess.run(60, null, "images", "list", "--cache-dir", cache.toString());
        assertEquals(0, modified.status(), modified.stderr());
        assertTrue(modified.stdout().contains("(current) modified: rootfs.ext4"), modified.stdout());
    }
}
