package io.jvmm.boot;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Inflated gzip initramfs files, kept so that a boot maps the plain cpio archive instead of inflating it again
 * (see {@link InitrdInflater} for why jvmm inflates at all). An entry is named after the SHA-256 of the gzip
 * file's contents, {@code <sha256>.cpio}: a changed initrd gets a new entry, the same initrd under another name
 * shares one. Entries are written to a temporary file and renamed into place, so a reader never sees half of
 * one; two VMMs inflating the same initrd at once each write their own and the last rename wins (same bytes).
 * Nothing is evicted: an entry is the size of the archive (2 MB for the minimal image).
 *
 * <p>Hashing the gzip file costs ~2 ms a boot here (1 MB), more than the rest of loading it. So the key is
 * also remembered by the file's identity, {@code by-id/<dev>-<inode>-<size>-<mtime ns>-<ctime ns>} holding the
 * entry's name: any write to the file moves its ctime (which no user can set back), and a new file has another
 * inode. The remembered key is only written once the file's ctime is {@link #SETTLE} old: a file rewritten
 * within the same clock tick as it was hashed (ctime is coarse, a jiffy) would otherwise keep a stale key, the
 * "racy git" case. A missing or unreadable record just means hashing again.
 */
public final class InitrdCache {
    private static final String SUFFIX = ".cpio";
    private static final String BY_ID = "by-id";
    private static final Pattern ENTRY_NAME = Pattern.compile("[0-9a-f]{64}\\.cpio");
    /** How old a file's ctime must be before its key is remembered by identity. */
    static final Duration SETTLE = Duration.ofSeconds(2);

    private final Path dir;
    private final Clock clock;

    public InitrdCache(Path dir) {
        this(dir, Clock.systemUTC());
    }

    /** With {@code clock} for the age of a file's ctime (tests). */
    InitrdCache(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
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
     * The file holding {@code gzip} (the contents of {@code file}) inflated: the cached entry, or a new one
     * inflated now. Empty when {@code gzip} is not a complete gzip stream or inflates beyond {@code maxBytes}
     * (the guest then gets it as it is).
     *
     * @throws IOException when the cache directory or the entry cannot be written or read
     */
    public Optional<Path> inflated(Path file, MemorySegment gzip, long maxBytes) throws IOException {
        if (!InitrdInflater.isGzip(gzip)) {
            return Optional.empty();
        }
        FileId id = FileId.of(file);
        Optional<String> remembered = remembered(id);
        Path entry = dir.resolve(remembered.orElseGet(() -> key(gzip)));
        if (Files.isRegularFile(entry)) {
            if (remembered.isEmpty()) {
                remember(id, entry);
            }
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
            remember(id, entry);
            return Optional.of(entry);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A file's identity as stat(2) gives it; equal identities mean unchanged contents (see the class comment). */
    record FileId(long dev, long ino, long size, long mtimeNanos, long ctimeNanos) {
        static FileId of(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return new FileId((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
        }

        String name() {
            return Long.toHexString(dev) + "-" + Long.toHexString(ino) + "-" + size + "-" + mtimeNanos + "-" + ctimeNanos;
        }
    }

    private Optional<String> remembered(FileId id) {
        try {
            String name = Files.readString(dir.resolve(BY_ID).resolve(id.name())).trim();
            return ENTRY_NAME.matcher(name).matches() ? Optional.of(name) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // none yet, or unreadable: hash
        }
    }

    private void remember(FileId id, Path entry) throws IOException {
        long ageNanos = clock.instant().toEpochMilli() * 1_000_000 - id.ctimeNanos();
        if (ageNanos < SETTLE.toNanos()) {
            return;
        }
        Path byId = Files.createDirectories(dir.resolve(BY_ID));
        Path tmp = Files.createTempFile(byId, id.name(), ".tmp");
        try {
            Files.writeString(tmp, entry.getFileName().toString());
            Files.move(tmp, byId.resolve(id.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
