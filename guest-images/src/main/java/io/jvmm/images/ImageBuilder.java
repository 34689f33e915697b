package io.jvmm.images;

import io.jvmm.images.build.BusyboxTree;
import io.jvmm.images.build.DebianKernel;
import io.jvmm.images.build.GuestTree;
import io.jvmm.images.build.Host;
import io.jvmm.images.build.ImageCache;
import io.jvmm.images.build.Inputs;
import io.jvmm.images.build.MinimalKernel;
import io.jvmm.images.build.OciBundle;
import io.jvmm.images.build.Resources;
import io.jvmm.images.build.RootDisk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a guest image set from Debian packages into the cache, or returns the cached one when
 * its inputs (jvmm's config fragment, patches, init script, bundle config, package versions,
 * {@link #BUILDER_VERSION}) are unchanged.
 *
 * <pre>
 * ImageSet img = ImageBuilder.build(Profile.MINIMAL, GuestImages.defaultCacheRoot(), false,
 *                                   System.out::println);
 * </pre>
 */
public final class ImageBuilder {
    /** Part of the input hash: bump when build steps change what they produce. */
    public static final String BUILDER_VERSION = "1";
    static final String BUSYBOX_PACKAGE = "busybox-static";

    private ImageBuilder() {
    }

    /**
     * Builds (or reuses) the image set of {@code profile} in {@code cacheRoot}. Installs missing
     * Debian packages with apt-get first, saying so on {@code progress}. Long: about 6 minutes for
     * the minimal kernel from scratch on 2 cores; seconds when cached.
     *
     * @throws ImageBuildException naming the step that failed
     */
    public static ImageSet build(Profile profile, Path cacheRoot, boolean force, ProgressSink progress) {
        Host host = new Host();
        InstantSource clock = InstantSource.system();
        ImageCache cache = new ImageCache(cacheRoot, clock);

        List<String> packages = new ArrayList<>(List.of(BUSYBOX_PACKAGE, RootDisk.PACKAGE));
        packages.addAll(profile.buildsKernel() ? MinimalKernel.BUILD_PACKAGES
                : List.of("lz4", "xz-utils", "zstd", "gzip", "dpkg"));
        host.ensurePackages(packages, progress);
        Map<String, String> versions = new TreeMap<>();
        for (String pkg : packages) {
            versions.put(pkg, host.packageVersion(pkg).orElseThrow(
                    () -> new ImageBuildException("package " + pkg + " still not installed after apt-get")));
        }
        DebianKernel debian = new DebianKernel(host, progress);
        DebianKernel.Resolved stock = null;
        if (profile == Profile.DEBIAN) {
            stock = debian.resolve();
            versions.put(stock.packageName(), stock.version());
        }
        Inputs inputs = Inputs.of(BUILDER_VERSION, profile.id(), inputFiles(profile), versions);
        progress.progress("images: profile " + profile.id() + ", input hash " + inputs.hash().substring(0, 16)
                + (force ? " (forced rebuild)" : ""));

        DebianKernel.Resolved stockKernel = stock;
        return cache.obtain(inputs, profile, force, out -> {
            byte[] busybox = Files.readAllBytes(Path.of(BusyboxTree.HOST_BUSYBOX));
            String init = Resources.text(Resources.INIT);
            DebianKernel.Modules modules = DebianKernel.Modules.NONE;
            if (profile.buildsKernel()) {
                new MinimalKernel(host, clock, progress, kernelFragments(profile), treeSuffix(profile))
                        .build(cache.workDir(), versions.get(MinimalKernel.SOURCE_PACKAGE), out);
            } else {
                modules = debian.build(stockKernel, cache.workDir(), out);
            }
            GuestTree tree = BusyboxTree.create(busybox, init, modules.insmodLines());
            modules.addTo(tree);
            progress.progress("initramfs: newc cpio + gzip, " + tree.nodes().size() + " entries");
            writeInitramfs(tree, out.resolve(ImageSet.INITRAMFS));
            progress.progress("rootfs: mke2fs -d (busybox tree + /payload)");
            new RootDisk(host).build(BusyboxTree.withPayload(tree), out.resolve(ImageSet.ROOTFS),
                    cache.root().resolve(".staging-" + inputs.imageName()));
            progress.progress("bundle: OCI config.json + rootfs");
            OciBundle.write(tree, out.resolve(ImageSet.BUNDLE));
        }, progress);
    }

    /** jvmm's own files that go into a profile's build, by resource name. */
    static Map<String, byte[]> inputFiles(Profile profile) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(Resources.INIT, Resources.load(Resources.INIT));
        files.put(Resources.BUNDLE_CONFIG, Resources.load(Resources.BUNDLE_CONFIG));
        if (profile.buildsKernel()) {
            for (String fragment : kernelFragments(profile)) {
                files.put(fragment, Resources.load(fragment));
            }
            for (String p : Resources.KERNEL_PATCHES) {
                files.put(p, Resources.load(p));
            }
        }
        return files;
    }

    /** The Kconfig fragments a profile's kernel merges over tinyconfig, later ones winning. */
    static List<String> kernelFragments(Profile profile) {
        return profile == Profile.ACPI ? List.of(Resources.KERNEL_FRAGMENT, Resources.KERNEL_ACPI_FRAGMENT)
                : List.of(Resources.KERNEL_FRAGMENT);
    }

    /**
     * Each kernel-building profile has a source tree of its own under work/, so that switching profiles does
     * not rebuild everything, and two builds of different profiles never share one tree.
     */
    static String treeSuffix(Profile profile) {
        return profile == Profile.MINIMAL ? "" : "-" + profile.id();
    }

    static void writeInitramfs(GuestTree tree, Path target) throws IOException {
        // GZIPOutputStream writes MTIME 0 in the gzip header, so the output is reproducible.
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(target), 1 << 16)) {
            tree.writeCpio(out);
        }
    }
}
