package io.jvmm.cli;

import io.jvmm.images.CachedImage;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageBuilder;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jvmm images build|list}: guest kernel, initramfs, root disk and OCI bundle. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "Build and list guest images (kernel, initramfs, root disk, OCI bundle).",
        subcommands = {ImagesCommand.Build.class, ImagesCommand.ListImages.class})
public final class ImagesCommand implements Runnable {
    @Override
    public void run() {
        // The generated model (as Main uses), not picocli's reflection over this class.
        new picocli.CommandLine(ImagesCommandModel.spec(new ImagesCommand())).usage(System.out);
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build the guest images of a profile from Debian packages (reused when inputs are unchanged).")
    static final class Build implements Callable<Integer> {
        @Option(names = "--profile", paramLabel = "minimal|acpi|debian", defaultValue = "minimal",
                description = "Kernel profile (default: ${DEFAULT-VALUE}; acpi: the minimal kernel with ACPI, devices found "
                        + "through jvmm's ACPI tables only).")
        String profile;

        @Option(names = "--force", description = "Rebuild even when a cached image with the same inputs exists.")
        boolean force;

        @picocli.CommandLine.Mixin
        CacheMixin cache;

        @Override
        public Integer call() {
            Profile p;
            try {
                p = Profile.fromId(profile);
            } catch (IllegalArgumentException e) {
                System.err.println("jvmm images build: " + e.getMessage());
                return 2;
            }
            try {
                ImageSet set = ImageBuilder.build(p, cache.root(), force, line -> System.out.println("[images] " + line));
                System.out.println(set.directory());
                return 0;
            } catch (ImageBuildException | java.io.UncheckedIOException e) {
                System.err.println("jvmm images build: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show cached image sets with sizes and ages.")
    static final class ListImages implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        CacheMixin cache;

        @Override
        public Integer call() {
            Path root = cache.root();
            List<CachedImage> images;
            try {
                images = GuestImages.list(root);
            } catch (java.io.UncheckedIOException e) {
                System.err.println("jvmm images list: " + e.getMessage());
                return 1;
            }
            if (images.isEmpty()) {
                System.out.println("no images in " + root + " (run `jvmm images build`)");
                return 0;
            }
            System.out.println("images in " + root + ":");
            System.out.printf(Locale.ROOT, "  %-26s %10s  %-10s %s%n", "NAME", "SIZE", "AGE", "");
            Instant now = Instant.now();
            boolean anyModified = false;
            for (CachedImage img : images) {
                System.out.printf(Locale.ROOT, "  %-26s %10s  %-10s %s%n", img.set().name(), size(img.sizeBytes()),
                        age(Duration.between(img.builtAt(), now)), notes(img));
                anyModified |= !img.modified().isEmpty();
            }
            if (anyModified) {
                System.out.println("modified: files that no longer match the image's manifest.json; "
                        + "`jvmm images build` rebuilds the current profile's image");
            }
            return 0;
        }
    }

    /** "(current)", "modified: rootfs.ext4", both, or "". */
    static String notes(CachedImage img) {
        List<String> notes = new java.util.ArrayList<>();
        if (img.current()) {
            notes.add("(current)");
        }
        if (!img.modified().isEmpty()) {
            notes.add("modified: " + String.join(", ", img.modified()));
        }
        return String.join(" ", notes);
    }

    /** --cache-dir, shared by the subcommands. */
    static final class CacheMixin {
        @Option(names = "--cache-dir", paramLabel = "DIR",
                description = "Image cache (default: $JVMM_IMAGE_CACHE or ~/.cache/jvmm/images).")
        Path cacheDir;

        Path root() {
            return cacheDir != null ? cacheDir.toAbsolutePath() : GuestImages.defaultCacheRoot();
        }
    }

    static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        if (s < 172800) {
            return s / 3600 + " h";
        }
        return s / 86400 + " days";
    }
}
