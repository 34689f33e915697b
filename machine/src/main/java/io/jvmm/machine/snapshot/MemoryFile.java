package io.jvmm.machine.snapshot;

import io.jvmm.core.memory.GuestRegion;
import io.jvmm.core.sys.Sys;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * {@code memory.bin}: guest RAM, raw, the regions one after the other, as a sparse file: pages that are
 * all zero are not written (they read back as zero from the file's holes). Where a region is a memfd,
 * only its allocated ranges (lseek SEEK_DATA / SEEK_HOLE) are read at all, so taking a snapshot does not
 * make the guest's untouched memory resident.
 */
public final class MemoryFile {
    static final int PAGE = 4096;
    private static final MemorySegment ZERO = Arena.global().allocate(PAGE);

    private MemoryFile() {
    }

    /** What was written: the file's length and the bytes of data in it. */
    public record Written(long length, long dataBytes) {
    }

    /**
     * Writes {@code regions} to {@code file} (through a temporary file and a rename, so a clone that maps
     * the old file keeps its own). {@code memfd} gives region i's memfd, or -1 to scan the whole region.
     * The machine must be paused.
     */
    public static Written write(Path file, List<GuestRegion> regions, IntUnaryOperator memfd) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long data = 0;
        long base = 0;
        // A new file, never one truncated to 0: ext4 writes out a file truncated to 0 when it is closed
        // (auto_da_alloc), which cost 25-100 ms of a snapshot here.
        Files.deleteIfExists(tmp);
        try (RandomAccessFile raf = new RandomAccessFile(tmp.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            for (int i = 0; i < regions.size(); i++) {
                MemorySegment ram = regions.get(i).backing();
                int fd = memfd.applyAsInt(i);
                long off = 0;
                while (off < ram.byteSize()) {
                    long start;
                    long end;
                    if (fd >= 0) {
                        start = Sys.lseek(fd, off, Sys.SEEK_DATA);
                        if (start < 0 || start >= ram.byteSize()) {
                            break;
                        }
                        end = Math.min(ram.byteSize(), Sys.lseek(fd, start, Sys.SEEK_HOLE));
                    } else {
                        start = off;
                        end = ram.byteSize();
                    }
                    data += writeNonZero(ch, ram, start & -PAGE, end, base);
                    off = end;
                }
                base += ram.byteSize();
            }
            raf.setLength(base);
        }
        replace(file, tmp);
        return new Written(base, data);
    }

    /**
     * Puts {@code tmp} in place of {@code file}. Never by renaming over an existing file: ext4 then writes the
     * new file's data out before the rename returns (auto_da_alloc: 0.25-0.6 s for 20 MiB on a busy disk
     * here), so the old file is renamed aside first and removed after (a clone that maps it keeps it). Used
     * for every file of a snapshot.
     */
    public static void replace(Path file, Path tmp) throws IOException {
        Path old = file.resolveSibling(file.getFileName() + ".old");
        Files.deleteIfExists(old);
        boolean hadOld = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        if (hadOld) {
            Files.move(file, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        if (hadOld) {
            Files.delete(old);
        }
    }

    /** Writes the runs of non-zero pages of ram[start, end) at base + offset; returns the bytes written. */
    private static long writeNonZero(FileChannel ch, MemorySegment ram, long start, long end, long base) throws IOException {
        long written = 0;
        long run = -1;
        for (long p = start; p < end; p += PAGE) {
            long len = Math.min(PAGE, end - p);
            boolean zero = MemorySegment.mismatch(ram, p, p + len, ZERO, 0, len) < 0;
            if (!zero && run < 0) {
                run = p;
            } else if (zero && run >= 0) {
                written += put(ch, ram, run, p, base);
                run = -1;
            }
        }
        if (run >= 0) {
            written += put(ch, ram, run, end, base);
        }
        return written;
    }

    private static long put(FileChannel ch, MemorySegment ram, long from, long to, long base) throws IOException {
        var buf = ram.asSlice(from, to - from).asByteBuffer();
        long pos = base + from;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
        return to - from;
    }
}
