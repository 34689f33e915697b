package io.jvmm.images;

/**
 * Receives one human-readable progress line at a time while images are built
 * ("kernel: compiling, 412 objects, 2m30s"). Called from the building thread only.
 */
@FunctionalInterface
public interface ProgressSink {
    /** Discards all progress lines. */
    ProgressSink NONE = line -> { };

    void progress(String line);
}
