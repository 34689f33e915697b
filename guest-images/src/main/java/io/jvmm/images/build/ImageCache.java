package io.jvmm.images.build;

import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import io.jvmm.images.ProgressSink;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cache directory's rules: an image set is built into a temporary directory, gets its
 * manifest last, and is renamed into place in one step, so a directory named
 * {@code <profile>-<hash>} is always complete. Reused when present unless forced; the
 * {@code current} links are replaced atomically (new link, then rename over the old one).
 */
public final class ImageCache {
    /** Writes every artifact except manifest.json into the given (empty) directory. */
    @FunctionalInterface
    public interface Producer {
        void produce(Path outDir) throws IOException;
    }

    private final Path root;
    private final InstantSource clock;

    public ImageCache(Path root, InstantSource clock) {
        this.root = root.toAbsolutePath();
        this.clock = clock;
    }

    public Path root() {
        return root;
    }

    /** Scratch space for builds (kernel source trees), kept between builds. */
    public Path workDir() {
        return root.resolve("work");
    }

    public ImageSet obtain(Inputs inputs, Profile profile, boolean force, Producer producer, ProgressSink progress) {
        String name = inputs.imageName();
        ImageSet set = new ImageSet(name, root.resolve(name));
        try {
            Files.createDirectories(root);
            if (!force && set.isComplete()) {
                List<String> modified = Manifest.modifiedArtifacts(set.directory());
                if (modified.isEmpty()) {
                    progress.progress("image " + name + " is up to date (inputs unchanged); reusing " + set.directory());
                    updateLinks(set, profile);
                    return set;
                }
                // A guest run with --keep-disk-changes, or a hand edit: the cached files are not what was built.
                progress.progress("image " + name + ": " + String.join(", ", modified)
                        + " no longer match" + (modified.size() == 1 ? "es" : "") + " manifest.json (sha256); rebuilding the image");
            }
            Instant start = clock.instant();
            Path tmp = root.resolve(".tmp-" + name);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            try {
                produce(producer, tmp);
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
            Instant end = clock.instant();
            Files.writeString(tmp.resolve(ImageSet.MANIFEST),
                    Manifest.toJson(inputs, end, Duration.between(start, end), digestsOf(tmp, name)));
            deleteTree(set.directory());
            Files.move(tmp, set.directory(), StandardCopyOption.ATOMIC_MOVE);
            updateLinks(set, profile);
            progress.progress("image " + name + " built in " + Duration.between(start, end).toSeconds()
                    + " s: " + set.directory());
            return set;
        } catch (IOException e) {
            throw new ImageBuildException("image cache " + root + ": " + e.getMessage(), e);
        }
    }

    /** Runs the producer, then checks it wrote every artifact. */
    private static void produce(Producer producer, Path tmp) throws IOException {
        producer.produce(tmp);
        for (String artifact : ImageSet.ARTIFACTS) {
            if (!artifact.equals(ImageSet.MANIFEST) && !Files.exists(tmp.resolve(artifact))) {
                throw new ImageBuildException("build produced no " + artifact);
            }
        }
    }

    private static Map<String, Manifest.Digest> digestsOf(Path dir, String name) throws IOException {
        Map<String, Manifest.Digest> digests = new LinkedHashMap<>();
        for (String artifact : ImageSet.ARTIFACTS) {
            if (!artifact.equals(ImageSet.MANIFEST)) {
                digests.put(artifact, Manifest.digest(dir.resolve(artifact)));
            }
        }
        return digests;
    }

    private void updateLinks(ImageSet set, Profile profile) throws IOException {
        link(GuestImages.CURRENT + "-" + profile.id(), set.name());
        if (profile == Profile.MINIMAL) {
            // `jvmm run` boots `current`: only the minimal kernel finds virtio-mmio devices
            // from the command line, so other profiles never take it over.
            link(GuestImages.CURRENT, set.name());
        }
    }

    private void link(String linkName, String target) throws IOException {
        Path tmpLink = root.resolve("." + linkName + ".new");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, Path.of(target));
        Files.move(tmpLink, root.resolve(linkName), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes a tree without following symlinks out of it. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
