package io.jvmm.boot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel and initrd files of one boot, mapped read-only for as long as it takes to load them: the loader
 * copies the kernel's PT_LOAD segments (or a bzImage's protected-mode part) and the initrd from the page cache
 * straight into guest RAM, and nothing of them stays in the Java heap or in native memory afterwards.
 * {@link #close()} unmaps both; the segments must not be used after it (the arena enforces it).
 *
 * <p>A gzip initrd is replaced by its inflated form when an {@link InitrdCache} is given (emulating hosts, see
 * {@link InitrdInflater}): the cached file is mapped as well. Where the cache cannot be written (a read-only
 * home), it is inflated into the heap for this boot instead.
 *
 * <p>Files are mapped as they are when opened; one truncated while it is mapped makes the copy fail: a copy
 * through guest memory's mapping faults, which {@link LinuxLoader#load} reports as a {@link BootException}; a
 * write into a VM's RAM file gets EFAULT, a {@code GuestMemoryException}. Either is one line, never a crash.
 */
public final class BootFiles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BootFiles.class);

    private final Arena arena;
    private final MemorySegment kernel;
    private final MemorySegment initrd;

    private BootFiles(Arena arena, MemorySegment kernel, MemorySegment initrd) {
        this.arena = arena;
        this.kernel = kernel;
        this.initrd = initrd;
    }

    /**
     * Maps {@code kernel} and (when not null) {@code initrd}. With a {@code cache}, a gzip initrd that inflates to
     * at most {@code maxInflated} bytes is replaced by its inflated form. Unreadable files are a {@link BootException}.
     */
    public static BootFiles open(Path kernel, Path initrd, InitrdCache cache, long maxInflated) {
        Arena arena = Arena.ofConfined();
        try {
            MemorySegment k = map(arena, "kernel", kernel);
            MemorySegment rd = initrd == null ? null : map(arena, "initrd", initrd);
            if (rd != null && cache != null && InitrdInflater.isGzip(rd)) {
                rd = inflated(arena, cache, initrd, rd, maxInflated);
            }
            return new BootFiles(arena, k, rd);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The kernel image, mapped. */
    public MemorySegment kernel() {
        return kernel;
    }

    /** The initrd as the guest gets it (mapped, or inflated), or null for none. */
    public MemorySegment initrd() {
        return initrd;
    }

    /** Unmaps the files. */
    @Override
    public void close() {
        arena.close();
    }

    private static MemorySegment inflated(Arena arena, InitrdCache cache, Path file, MemorySegment gzip, long max) {
        try {
            long t0 = System.nanoTime();
            Optional<Path> entry = cache.inflated(file, gzip, max);
            if (entry.isEmpty()) {
                LOG.info("initrd: {} is not a complete gzip stream or inflates beyond {} bytes: the guest gets it as it is",
                        file, max);
                return gzip;
            }
            MemorySegment cpio = map(arena, "inflated initrd", entry.get());
            LOG.info("initrd: gzip inflated on the host ({} -> {} bytes, {}: cached or inflated now, {} µs) so the emulated"
                    + " guest kernel need not", gzip.byteSize(), cpio.byteSize(), entry.get(), (System.nanoTime() - t0) / 1000);
            return cpio;
        } catch (IOException e) {
            LOG.info("initrd: cannot use the inflated-initrd cache {} ({}); inflating into memory for this boot",
                    cache.directory(), e.toString());
            return InitrdInflater.inflate(gzip, max);
        }
    }

    private static MemorySegment map(Arena arena, String what, Path file) {
        try (FileChannel ch = FileChannel.open(file)) {
            // The mapping outlives the channel; it is unmapped when the arena closes.
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException | UnsupportedOperationException e) {
            throw new BootException("cannot read " + what + " " + file + ": " + e, e);
        }
    }
}
