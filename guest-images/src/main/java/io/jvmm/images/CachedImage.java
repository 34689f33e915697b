package io.jvmm.images;

import java.time.Instant;
import java.util.List;

/**
 * One entry of the image cache, as {@code jvmm images list} shows it.
 *
 * @param set       the image set
 * @param sizeBytes total size of all files in it (apparent size)
 * @param builtAt   when its manifest was written
 * @param current   whether the {@code current} symlink points at it
 * @param modified  its artifacts that no longer match manifest.json (empty: intact)
 */
public record CachedImage(ImageSet set, long sizeBytes, Instant builtAt, boolean current, List<String> modified) {
    public CachedImage {
        modified = List.copyOf(modified);
    }
}
