package io.jvmm.images.build;

import io.jvmm.images.CachedImage;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageCacheTest {
    private final List<String> progress = new ArrayList<>();
    private int builds;

    private static Inputs inputs(String fragment) {
        return Inputs.of("1", "minimal", Map.of("kernel/minimal.config", fragment.getBytes(StandardCharsets.UTF_8)),
                Map.of("linux-source-6.1", "6.1.192-2"));
    }

    /** Writes every artifact but the manifest, with content naming the build number. */
    private ImageCache.Producer fake() {
        return out -> {
            builds++;
            for (String a : List.of(ImageSet.VMLINUX, ImageSet.BZIMAGE, ImageSet.SYSTEM_MAP, ImageSet.INITRAMFS, ImageSet.ROOTFS)) {
                Files.writeString(out.resolve(a), a + " #" + builds);
            }
            Files.createDirectories(out.resolve(ImageSet.BUNDLE).resolve("rootfs"));
            Files.writeString(out.resolve(ImageSet.BUNDLE).resolve("config.json"), "{}");
        };
    }

    @Test
    void reusesUnchangedInputsAndRebuildsWhenForcedOrChanged(@TempDir Path root) throws IOException {
        ImageCache cache = new ImageCache(root, InstantSource.fixed(Instant.parse("2026-11-23T08:00:00Z")));
        ImageSet first = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        assertEquals(1, builds);
        assertTrue(first.isComplete());
        assertTrue(Files.readString(first.manifest()).contains(Manifest.fileSha256(first.vmlinux())));

        ImageSet again = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        assertEquals(1, builds, "unchanged inputs: no rebuild");
        assertEquals(first, again);
        assertTrue(progress.stream().anyMatch(l -> l.contains("up to date")), progress.toString());

        cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, true, fake(), progress::add);
        assertEquals(2, builds, "--force rebuilds");
        assertEquals("vmlinux #2", Files.readString(first.vmlinux()));

        ImageSet changed = cache.obtain(inputs("CONFIG_SMP=n\n"), Profile.MINIMAL, false, fake(), progress::add);
        assertEquals(3, builds, "changed input: rebuild");
        assertNotEquals(first.directory(), changed.directory());
        assertEquals(changed, GuestImages.current(root).orElseThrow(), "current follows the latest build");
        assertEquals(changed, GuestImages.current(root, Profile.MINIMAL).orElseThrow());

        List<CachedImage> listed = GuestImages.list(root);
        assertEquals(2, listed.size());
        assertEquals(1, listed.stream().filter(CachedImage::current).count());
        assertTrue(listed.stream().allMatch(c -> c.sizeBytes() > 0));
    }

    @Test
    void aModifiedArtifactIsListedAndTheNextBuildReplacesIt(@TempDir Path root) throws IOException {
        ImageCache cache = new ImageCache(root, InstantSource.system());
        ImageSet set = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        assertEquals(List.of(), Manifest.modifiedArtifacts(set.directory()));
        assertEquals(List.of(), GuestImages.list(root).getFirst().modified());

        // What a guest writing the cached root disk does (jvmm run --keep-disk-changes).
        Files.writeString(set.rootfs(), "written by a guest");
        Files.writeString(set.bundle().resolve("config.json"), "{\"changed\": true}");
        assertEquals(List.of(ImageSet.ROOTFS, ImageSet.BUNDLE), Manifest.modifiedArtifacts(set.directory()));
        CachedImage listed = GuestImages.list(root).getFirst();
        assertEquals(List.of(ImageSet.ROOTFS, ImageSet.BUNDLE), listed.modified());

        progress.clear();
        ImageSet rebuilt = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        assertEquals(2, builds, "a modified image is rebuilt, not reused");
        assertEquals(set, rebuilt);
        assertTrue(progress.stream().anyMatch(l -> l.contains("rootfs.ext4, bundle no longer match manifest.json")),
                progress.toString());
        assertEquals("rootfs.ext4 #2", Files.readString(rebuilt.rootfs()));
        assertEquals(List.of(), GuestImages.list(root).getFirst().modified());

        Files.delete(set.vmlinux());
        Files.writeString(set.vmlinux(), "vmlinux #2"); // same bytes again: intact
        assertEquals(List.of(), Manifest.modifiedArtifacts(set.directory()));
    }

    @Test
    void manifestDigestsReadBackAsWritten(@TempDir Path root) throws IOException {
        ImageCache cache = new ImageCache(root, InstantSource.system());
        ImageSet set = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        Map<String, String> recorded = Manifest.artifactSha256(Files.readString(set.manifest()));
        assertEquals(6, recorded.size(), recorded.toString());
        assertEquals(Manifest.fileSha256(set.rootfs()), recorded.get(ImageSet.ROOTFS));
        assertEquals(Manifest.digest(set.bundle()).sha256(), recorded.get(ImageSet.BUNDLE));
        assertFalse(recorded.containsKey("kernel/minimal.config"), "input digests are not artifacts");
    }

    @Test
    void otherProfilesDoNotTakeOverCurrent(@TempDir Path root) {
        ImageCache cache = new ImageCache(root, InstantSource.system());
        ImageSet minimal = cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, fake(), progress::add);
        Inputs debian = Inputs.of("1", "debian", Map.of(), Map.of("linux-image-6.1.0-56-cloud-amd64", "6.1.192-2"));
        ImageSet stock = cache.obtain(debian, Profile.DEBIAN, false, fake(), progress::add);
        assertEquals(minimal, GuestImages.current(root).orElseThrow());
        assertEquals(stock, GuestImages.current(root, Profile.DEBIAN).orElseThrow());
    }

    @Test
    void failedBuildLeavesNoImage(@TempDir Path root) {
        ImageCache cache = new ImageCache(root, InstantSource.system());
        ImageCache.Producer incomplete = out -> Files.writeString(out.resolve(ImageSet.VMLINUX), "x");
        ImageBuildException e = assertThrows(ImageBuildException.class,
                () -> cache.obtain(inputs("CONFIG_SMP=y\n"), Profile.MINIMAL, false, incomplete, progress::add));
        assertTrue(e.getMessage().contains("produced no bzImage"), e.getMessage());
        assertFalse(Files.exists(root.resolve(inputs("CONFIG_SMP=y\n").imageName())));
        assertFalse(Files.exists(root.resolve(".tmp-" + inputs("CONFIG_SMP=y\n").imageName())), "scratch removed");
        assertTrue(GuestImages.current(root).isEmpty());
        assertTrue(GuestImages.list(root).isEmpty());
    }
}
