package io.jvmm.machine.snapshot;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a restore changes from the snapshot: clones need their own disks and TAPs.
 *
 * @param disks the path of the snapshot's i-th disk becomes {@code disks.get(i)} (same size, same mode:
 *              read-only, written in place or copy-on-write over it); fewer entries keep the rest
 * @param taps  the TAP of the snapshot's i-th network interface becomes {@code taps.get(i)}; fewer keep the rest
 */
public record RestoreOptions(List<Path> disks, List<String> taps) {
    /** Everything as the snapshot recorded it. */
    public static final RestoreOptions NONE = new RestoreOptions(List.of(), List.of());

    public RestoreOptions {
        disks = List.copyOf(Objects.requireNonNull(disks, "disks"));
        taps = List.copyOf(Objects.requireNonNull(taps, "taps"));
    }
}
