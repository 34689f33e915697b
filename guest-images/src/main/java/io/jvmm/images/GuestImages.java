package io.jvmm.images;

import io.jvmm.images.build.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where built guest images live and which one is current.
 *
 * <pre>
 * ~/.cache/jvmm/images/                 cache root (defaultCacheRoot)
 *   minimal-3f96a1c2d4e5b6a7/           one image set: profile + input hash
 *     vmlinux bzImage System.map initramfs.cpio.gz rootfs.ext4 bundle/ manifest.json
 *   debian-8c1d.../
 *   current         -> minimal-3f96...  last minimal build: what `jvmm run` boots by default
 *   current-minimal -> minimal-3f96...  last build of each profile
 *   current-debian  -> debian-8c1d...
 *   work/                               kernel source trees kept for incremental rebuilds
 * </pre>
 */
public final class GuestImages {
    /** Symlink to the image set {@code jvmm run} uses when no kernel is given. */
    public static final String CURRENT = "current";
    /** Environment variable that overrides the cache root. */
    public static final String CACHE_ENV = "JVMM_IMAGE_CACHE";

    private GuestImages() {
    }

    /**
     * {@code $JVMM_IMAGE_CACHE} if set, else {@code $XDG_CACHE_HOME/jvmm/images}, else
     * {@code ~/.cache/jvmm/images}. Outside the clone, so a fresh checkout reuses built images.
     */
    public static Path defaultCacheRoot() {
        String override = System.getenv(CACHE_ENV);
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jvmm").resolve("images").toAbsolutePath();
    }

    /** The image set {@code current} points at, if it exists and is complete. */
    public static Optional<ImageSet> current(Path cacheRoot) {
        return resolveLink(cacheRoot, CURRENT);
    }

    /** The last complete build of {@code profile} in this cache, if any. */
    public static Optional<ImageSet> current(Path cacheRoot, Profile profile) {
        return resolveLink(cacheRoot, CURRENT + "-" + profile.id());
    }

    private static Optional<ImageSet> resolveLink(Path cacheRoot, String linkName) {
        Path link = cacheRoot.resolve(linkName);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = cacheRoot.resolve(Files.readSymbolicLink(link)).toAbsolutePath().normalize();
            ImageSet set = new ImageSet(target.getFileName().toString(), target);
            return set.isComplete() ? Optional.of(set) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Every complete image set in the cache, newest first, each checked against its manifest. */
    public static List<CachedImage> list(Path cacheRoot) {
        if (!Files.isDirectory(cacheRoot)) {
            return List.of();
        }
        Optional<ImageSet> current = current(cacheRoot);
        List<CachedImage> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(cacheRoot)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir) || !name.matches("[a-z]+-[0-9a-f]{16}")) {
                    continue;
                }
                ImageSet set = new ImageSet(name, dir.toAbsolutePath());
                if (!set.isComplete()) {
                    continue;
                }
                boolean isCurrent = current.map(c -> c.directory().equals(set.directory())).orElse(false);
                out.add(new CachedImage(set, treeSize(dir),
                        Files.getLastModifiedTime(set.manifest()).toInstant(), isCurrent, Manifest.modifiedArtifacts(dir)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing image cache " + cacheRoot, e);
        }
        out.sort(Comparator.comparing(CachedImage::builtAt).reversed());
        return out;
    }

    private static long treeSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    }).sum();
        }
    }
}
