package io.jvmm.images;

import io.jvmm.images.build.Host;

import java.util.List;

/**
 * Installs Debian packages on this host the way {@code jvmm images build} installs its own: only those
 * {@code dpkg-query} does not list, with {@code apt-get update} and a non-interactive {@code apt-get install},
 * saying so first. Used by {@code jvmm bench --install} for the programs it compares against.
 */
public final class HostPackages {
    private HostPackages() {
    }

    /**
     * Installs whichever of {@code packages} are missing.
     *
     * @throws ImageBuildException naming the step when apt-get is missing, we are not root, or it fails
     */
    public static void ensure(List<String> packages, ProgressSink progress) {
        new Host().ensurePackages(packages, progress);
    }
}
