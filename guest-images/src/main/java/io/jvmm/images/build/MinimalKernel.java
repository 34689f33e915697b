package io.jvmm.images.build;

import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageSet;
import io.jvmm.images.ProgressSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the "minimal" kernel from Debian's linux-source-6.1:
 * <ol>
 *   <li>untar /usr/src/linux-source-6.1.tar.xz into work/linux-source-6.1_VERSION/ and apply
 *       jvmm's patches (redone only when the source version or the patches change, so later
 *       builds are incremental);</li>
 *   <li>{@code make tinyconfig}, merge kernel/minimal.config, {@code make olddefconfig}, and check
 *       every fragment option survived;</li>
 *   <li>{@code make bzImage} (which links vmlinux first), then copy vmlinux, bzImage, System.map.</li>
 * </ol>
 */
public final class MinimalKernel {
    public static final String SOURCE_PACKAGE = "linux-source-6.1";
    static final String TARBALL = "/usr/src/linux-source-6.1.tar.xz";
    static final String TREE = "linux-source-6.1";
    private static final String STAMP = ".jvmm-patches.sha256";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(15);

    /** Debian packages the kernel build needs besides the source. */
    public static final List<String> BUILD_PACKAGES = List.of(
            SOURCE_PACKAGE, "build-essential", "bc", "bison", "flex", "libelf-dev", "libssl-dev",
            "lz4", "xz-utils", "patch");

    private final Host host;
    private final InstantSource clock;
    private final ProgressSink progress;
    private final List<String> fragments;
    private final String treeSuffix;

    /** The "minimal" profile's kernel: kernel/minimal.config in work/linux-source-6.1_VERSION/. */
    public MinimalKernel(Host host, InstantSource clock, ProgressSink progress) {
        this(host, clock, progress, List.of(Resources.KERNEL_FRAGMENT), "");
    }

    /**
     * A kernel from {@code fragments} (resource names, merged in order: a later fragment's value wins) in
     * work/linux-source-6.1_VERSION{@code treeSuffix}/.
     */
    public MinimalKernel(Host host, InstantSource clock, ProgressSink progress, List<String> fragments, String treeSuffix) {
        this.host = host;
        this.clock = clock;
        this.progress = progress;
        this.fragments = List.copyOf(fragments);
        this.treeSuffix = treeSuffix;
    }

    /** Builds into {@code out}: vmlinux, bzImage, System.map. */
    public void build(Path workRoot, String sourceVersion, Path out) throws IOException {
        Path src = prepareSource(workRoot.resolve(SOURCE_PACKAGE + "_" + sourceVersion + treeSuffix));
        configure(src);
        compile(src);
        Files.copy(src.resolve("vmlinux"), out.resolve(ImageSet.VMLINUX), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(src.resolve("arch/x86/boot/bzImage"), out.resolve(ImageSet.BZIMAGE),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(src.resolve("System.map"), out.resolve(ImageSet.SYSTEM_MAP), StandardCopyOption.REPLACE_EXISTING);
    }

    /** sha256 over the patches in application order: the source tree's stamp. */
    public static String patchesHash() {
        var md = Inputs.digest();
        for (String p : Resources.KERNEL_PATCHES) {
            md.update(Resources.load(p));
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    private Path prepareSource(Path dir) throws IOException {
        Path src = dir.resolve(TREE);
        Path stamp = src.resolve(STAMP);
        String want = patchesHash();
        if (Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(want)) {
            progress.progress("kernel: reusing patched source tree " + src);
            return src;
        }
        ImageCache.deleteTree(src);
        Files.createDirectories(dir);
        progress.progress("kernel: unpacking " + TARBALL + " into " + dir);
        host.run("unpack kernel source", List.of("tar", "-xf", TARBALL, "-C", dir.toString()), null, Map.of(),
                line -> { });
        for (String patch : Resources.KERNEL_PATCHES) {
            progress.progress("kernel: applying " + patch);
            Path tmp = Files.createTempFile("jvmm-patch", ".patch");
            try {
                Files.write(tmp, Resources.load(patch));
                host.run("apply " + patch, List.of("patch", "-p1", "-N", "-s", "-i", tmp.toString()), src, Map.of(),
                        line -> { });
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        Files.writeString(stamp, want + "\n");
        return src;
    }

    private void configure(Path src) throws IOException {
        progress.progress("kernel: make tinyconfig + " + String.join(" + ", fragments) + " + olddefconfig");
        make(src, "configure kernel (tinyconfig)", List.of("tinyconfig"), line -> { });
        StringBuilder merged = new StringBuilder();
        for (String f : fragments) {
            merged.append(Resources.text(f)).append('\n');
        }
        KernelConfig fragment = KernelConfig.parse(merged.toString());
        Path dotConfig = src.resolve(".config");
        Files.writeString(dotConfig, fragment.mergeInto(Files.readString(dotConfig)));
        make(src, "configure kernel (olddefconfig)", List.of("olddefconfig"), line -> { });
        List<String> missing = fragment.missingFrom(Files.readString(dotConfig));
        if (!missing.isEmpty()) {
            throw new ImageBuildException("configure kernel: olddefconfig dropped options of " + String.join(" + ", fragments) + " "
                    + "(unmet dependencies?): " + String.join(", ", missing));
        }
    }

    private void compile(Path src) {
        int jobs = Runtime.getRuntime().availableProcessors();
        progress.progress("kernel: make -j" + jobs + " bzImage (about 6 minutes on 2 cores from scratch)");
        Instant start = clock.instant();
        int[] compiled = {0};
        Instant[] lastReport = {start};
        make(src, "compile kernel", List.of("-j" + jobs, "bzImage"), line -> {
            String l = line.strip();
            if (l.startsWith("CC ") || l.startsWith("AS ") || l.startsWith("LD ") || l.startsWith("AR ")) {
                compiled[0]++;
            }
            Instant now = clock.instant();
            if (Duration.between(lastReport[0], now).compareTo(PROGRESS_EVERY) >= 0) {
                lastReport[0] = now;
                progress.progress("kernel: " + compiled[0] + " steps done, " + Duration.between(start, now).toSeconds()
                        + " s, now: " + l);
            }
        });
        progress.progress("kernel: built in " + Duration.between(start, clock.instant()).toSeconds() + " s ("
                + compiled[0] + " steps)");
    }

    private void make(Path src, String step, List<String> targets, java.util.function.Consumer<String> lines) {
        List<String> cmd = new ArrayList<>(List.of("make", "ARCH=x86_64"));
        cmd.addAll(targets);
        // Fixed build identity, so the same inputs give the same kernel version string.
        Map<String, String> env = Map.of(
                "KBUILD_BUILD_USER", "jvmm", "KBUILD_BUILD_HOST", "jvmm",
                "KBUILD_BUILD_TIMESTAMP", "2026-01-01", "LC_ALL", "C");
        host.run(step, cmd, src, env, lines);
    }
}
