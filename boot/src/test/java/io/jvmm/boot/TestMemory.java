package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory for tests. Small memories are arena-backed; large ones (GiBs, to test the layout a
 * real machine has) are backed by a sparse temporary file, so only the pages the loader writes use
 * host memory. Closing releases the arena and deletes the file.
 */
final class TestMemory implements AutoCloseable {
    final GuestMemory memory;
    private final Arena arena;
    private final Path file;

    private TestMemory(GuestMemory memory, Arena arena, Path file) {
        this.memory = memory;
        this.arena = arena;
        this.file = file;
    }

    /** One arena-backed region [0, size). */
    static TestMemory of(long size) {
        Arena a = Arena.ofConfined();
        return new TestMemory(GuestMemory.of(new GuestRegion(GuestAddress.of(0), a.allocate(size, 4096))), a, null);
    }

    /** The machine layout the assembly builds: [0, min(size, 3 GiB)) and, above that, [4 GiB, ...). */
    static TestMemory machine(long size) {
        long low = Math.min(size, BootLayout.MMIO_START);
        List<long[]> regions = new ArrayList<>();
        regions.add(new long[] {0, low});
        if (size > low) {
            regions.add(new long[] {BootLayout.FOUR_GIB, size - low});
        }
        return sparse(regions);
    }

    /** Regions given as {start, size} pairs, backed by one sparse file. */
    static TestMemory sparse(List<long[]> regions) {
        try {
            Path f = Files.createTempFile("jvmm-boot-test", ".mem");
            Arena a = Arena.ofConfined();
            List<GuestRegion> list = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long offset = 0;
                for (long[] r : regions) {
                    list.add(new GuestRegion(GuestAddress.of(r[0]),
                            ch.map(FileChannel.MapMode.READ_WRITE, offset, r[1], a)));
                    offset += r[1];
                }
            }
            return new TestMemory(GuestMemory.of(list), a, f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        arena.close();
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
