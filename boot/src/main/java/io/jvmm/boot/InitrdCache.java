package io.jvmm.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Inflated gzip initramfs files, kept so that a boot maps the plain cpio archive instead of inflating it again
 * (see {@link InitrdInflater} for why jvmm inflates at all). An entry is named after the SHA-256 of the gzip
 * file's contents, {@code <sha256>.cpio}: a changed initrd gets a new entry, the same initrd under another name
 * shares one. Entries are written to a temporary file and renamed into place, so a reader never sees half of
 * one; two VMMs inflating the same initrd at once each write their own and the last rename wins (same bytes).
 * Nothing is evicted: an entry is the size of the archive (2 MB for the minimal image).
 */
public final class InitrdCache {
    private static final String SUFFIX = ".cpio";

    private final Path dir;

    public InitrdCache(Path dir) {
        this.dir = dir;
    }

    /** {@code $XDG_CACHE_HOME/jvmm/initrd}, else {@code ~/.cache/jvmm/initrd} (beside the guest image cache). */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jvmm").resolve("initrd");
    }

    public Path directory() {
        return dir;
    }

    /** The entry's file name for {@code gzip}: its SHA-256 in hex, then ".cpio". */
    public static String key(MemorySegment gzip) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(gzip.asByteBuffer());
            return HexFormat.of().formatHex(sha.digest()) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    /**
     * The file holding {@code gzip} inflated: the cached entry, or a new one inflated now. Empty when
     * {@code gzip} is not a complete gzip stream or inflates beyond {@code maxBytes} (the guest then gets it as
     * it is).
     *
     * @throws IOException when the cache directory or the entry cannot be written or read
     */
    public Optional<Path> inflated(MemorySegment gzip, long maxBytes) throws IOException {
        if (!InitrdInflater.isGzip(gzip)) {
            return Optional.empty();
        }
        Path entry = dir.resolve(key(gzip));
        if (Files.isRegularFile(entry)) {
            return Files.size(entry) <= maxBytes ? Optional.of(entry) : Optional.empty();
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, entry.getFileName().toString(), ".tmp");
        try {
            long n;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                n = InitrdInflater.inflateTo(gzip, out, maxBytes);
            }
            if (n < 0) {
                return Optional.empty();
            }
            // rename(2) within one directory: atomic.
            Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(entry);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
