package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loading path the machine uses: kernel and initrd files mapped, copied straight into guest RAM. */
class BootFilesTest {
    private static final long MEM = 64L << 20;

    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] guest(TestMemory t, long addr, int len) {
        byte[] out = new byte[len];
        t.memory.read(GuestAddress.of(addr), out, 0, len);
        return out;
    }

    @Test
    void elfSegmentsAndInitrdGoFromTheMappedFilesIntoGuestRam() throws Exception {
        byte[] image = TestImages.elf(false);
        byte[] initrd = new byte[0x2345];
        Arrays.fill(initrd, (byte) 0x5a);
        try (TestMemory t = TestMemory.of(MEM);
             BootFiles files = BootFiles.open(file("vmlinux", image), file("initrd", initrd), null, MEM)) {
            assertTrue(files.kernel().isMapped());
            assertTrue(files.initrd().isMapped());
            // Garbage where the bss goes: the loader must zero it.
            t.memory.slice(GuestAddress.of(TestImages.ELF_PADDR), TestImages.ELF_MEMSZ).fill((byte) 0xff);
            BootResult r = LinuxLoader.load(t.memory, new BootConfig(files.kernel(), files.initrd(), "quiet", 1));
            assertArrayEquals(Arrays.copyOfRange(image, 0x1000, 0x1000 + TestImages.ELF_FILESZ),
                    guest(t, TestImages.ELF_PADDR, TestImages.ELF_FILESZ));
            assertArrayEquals(new byte[TestImages.ELF_MEMSZ - TestImages.ELF_FILESZ],
                    guest(t, TestImages.ELF_PADDR + TestImages.ELF_FILESZ, TestImages.ELF_MEMSZ - TestImages.ELF_FILESZ));
            assertEquals(initrd.length, r.initrdSize());
            assertEquals((MEM - initrd.length) & ~0xfffL, r.initrdStart().value());
            assertArrayEquals(initrd, guest(t, r.initrdStart().value(), initrd.length));
        }
    }

    @Test
    void bzImageProtectedModePartGoesFromTheMappedFile() throws Exception {
        byte[] image = TestImages.bzImage();
        try (TestMemory t = TestMemory.of(MEM); BootFiles files = BootFiles.open(file("bzImage", image), null, null, MEM)) {
            assertNull(files.initrd());
            BootResult r = LinuxLoader.load(t.memory, new BootConfig(files.kernel(), null, "", 1));
            int setup = (TestImages.SETUP_SECTS + 1) * 512;
            assertArrayEquals(Arrays.copyOfRange(image, setup, image.length),
                    guest(t, r.kernelStart().value(), TestImages.PM_SIZE));
        }
    }

    /** Every prefix that cuts a header or a segment is one BootException naming the truncation; never a crash. */
    @Test
    void truncatedFilesAreOneClearError() throws Exception {
        byte[] elf = TestImages.elf(true);
        byte[] bz = TestImages.bzImage();
        List<byte[]> cuts = Stream.concat(
                Stream.of(0, 1, 4, 0x20, 63, 64, 64 + 56, 64 + 56 + 30, 0x1000, elf.length - 1).map(n -> Arrays.copyOf(elf, n)),
                Stream.of(0x1f1, 0x203, 0x250, 0x264, 0x1000, (TestImages.SETUP_SECTS + 1) * 512).map(n -> Arrays.copyOf(bz, n)))
                .toList();
        for (byte[] cut : cuts) {
            try (TestMemory t = TestMemory.of(MEM); BootFiles files = BootFiles.open(file("cut", cut), null, null, MEM)) {
                BootException e = assertThrows(BootException.class,
                        () -> LinuxLoader.load(t.memory, new BootConfig(files.kernel(), null, "", 1)), cut.length + " bytes");
                assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("neither an ELF"),
                        cut.length + " bytes: " + e.getMessage());
            }
        }
    }

    @Test
    void segmentOutsideRamAndBadHeadersFromFiles() throws Exception {
        byte[] outside = TestImages.elf(false);
        // p_paddr and e_entry at 768 MiB, beyond the 64 MiB of RAM
        ByteBuffer.wrap(outside).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 0x18, 0x3000_0000L).putLong(0x18, 0x3000_0000L);
        byte[] notX86 = TestImages.elf(false);
        notX86[0x12] = 3; // EM_386
        byte[] zeros = new byte[8192];
        for (var c : List.of(new Object[] {outside, "does not fit in guest RAM"}, new Object[] {notX86, "e_machine is 3"},
                new Object[] {zeros, "neither an ELF vmlinux"})) {
            try (TestMemory t = TestMemory.of(MEM);
                 BootFiles files = BootFiles.open(file("bad", (byte[]) c[0]), null, null, MEM)) {
                BootException e = assertThrows(BootException.class,
                        () -> LinuxLoader.load(t.memory, new BootConfig(files.kernel(), null, "", 1)));
                assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
            }
        }
    }

    @Test
    void aFileThatShrinksWhileMappedIsABootExceptionNotACrash() throws Exception {
        Path kernel = file("vmlinux", TestImages.elf(false)); // its segment is at file offset 0x1000..0x4000
        try (TestMemory t = TestMemory.of(MEM); BootFiles files = BootFiles.open(kernel, null, null, MEM)) {
            try (FileChannel ch = FileChannel.open(kernel, StandardOpenOption.WRITE)) {
                ch.truncate(0x1000);
            }
            BootException e = assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(files.kernel(), null, "", 1)));
            assertTrue(e.getMessage().startsWith("kernel or initrd file changed while it was being loaded"), e.getMessage());
        }
    }

    @Test
    void missingFileIsABootException() {
        BootException e = assertThrows(BootException.class,
                () -> BootFiles.open(dir.resolve("nope"), null, null, MEM));
        assertTrue(e.getMessage().startsWith("cannot read kernel " + dir.resolve("nope")), e.getMessage());
    }

    @Test
    void segmentsAreUnusableAfterClose() throws Exception {
        BootFiles files = BootFiles.open(file("vmlinux", TestImages.elf(false)), null, null, MEM);
        MemorySegment kernel = files.kernel();
        files.close();
        assertThrows(IllegalStateException.class, () -> kernel.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void gzipInitrdIsInflatedOnceIntoTheCacheAndMappedFromItAfterwards() throws Exception {
        byte[] cpio = new byte[200_000];
        for (int i = 0; i < cpio.length; i++) {
            cpio[i] = (byte) (i % 251);
        }
        byte[] gz = InitrdInflaterTest.gzip(cpio);
        Path kernel = file("vmlinux", TestImages.elf(false));
        Path initrd = file("initrd.gz", gz);
        InitrdCache cache = new InitrdCache(dir.resolve("cache"));
        Path entry = cache.directory().resolve(InitrdCache.key(MemorySegment.ofArray(gz)));
        assertTrue(entry.getFileName().toString().matches("[0-9a-f]{64}\\.cpio"), entry.toString());
        try (BootFiles files = BootFiles.open(kernel, initrd, cache, MEM)) {
            assertTrue(files.initrd().isMapped());
            assertArrayEquals(cpio, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        assertArrayEquals(cpio, Files.readAllBytes(entry));
        try (Stream<Path> s = Files.list(cache.directory())) {
            assertEquals(List.of(entry), s.filter(Files::isRegularFile).toList(), "one entry, no temporary file left");
        }
        // The second boot maps the entry: what the entry holds is what the guest gets.
        byte[] marked = cpio.clone();
        marked[0] = 'M';
        Files.write(entry, marked);
        try (TestMemory t = TestMemory.of(MEM); BootFiles files = BootFiles.open(kernel, initrd, cache, MEM)) {
            BootResult r = LinuxLoader.load(t.memory, new BootConfig(files.kernel(), files.initrd(), "", 1));
            assertEquals(cpio.length, r.initrdSize());
            assertArrayEquals(marked, guest(t, r.initrdStart().value(), cpio.length));
        }
        // Inflating beyond the limit: the guest gets the gzip file as it is, and nothing is cached.
        try (BootFiles files = BootFiles.open(kernel, initrd, new InitrdCache(dir.resolve("small")), 1000)) {
            assertArrayEquals(gz, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        assertFalse(Files.exists(dir.resolve("small").resolve(entry.getFileName())));
    }

    @Test
    void theKeyIsRememberedByFileIdentityOnceTheFileHasSettled() throws Exception {
        byte[] cpio = "070701archive one".repeat(500).getBytes();
        Path kernel = file("vmlinux", TestImages.elf(false));
        Path initrd = file("initrd.gz", InitrdInflaterTest.gzip(cpio));
        Path dirOfCache = dir.resolve("cache");
        // Just written: its ctime is too recent to be trusted, nothing is remembered.
        try (BootFiles files = BootFiles.open(kernel, initrd, new InitrdCache(dirOfCache), MEM)) {
            assertArrayEquals(cpio, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        assertFalse(Files.exists(dirOfCache.resolve("by-id")));
        // An hour later (the clock): the identity record is written, naming the entry.
        InitrdCache later = new InitrdCache(dirOfCache, Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        try (BootFiles files = BootFiles.open(kernel, initrd, later, MEM)) {
            assertArrayEquals(cpio, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        Path record = dirOfCache.resolve("by-id").resolve(InitrdCache.FileId.of(initrd).name());
        String entry = Files.readString(record);
        assertEquals(InitrdCache.key(MemorySegment.ofArray(Files.readAllBytes(initrd))), entry);
        // The record is what is used (no hash): point it at another entry and that one is mapped.
        String other = "0".repeat(64) + ".cpio";
        Files.write(dirOfCache.resolve(other), "070701other".getBytes());
        Files.writeString(record, other);
        try (BootFiles files = BootFiles.open(kernel, initrd, later, MEM)) {
            assertArrayEquals("070701other".getBytes(), files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        // Rewritten in place, same size: its ctime moved, so its identity did: hashed again, the right archive.
        byte[] cpio2 = "070701archive two".repeat(500).getBytes();
        byte[] gz2 = InitrdInflaterTest.gzip(cpio2);
        Files.write(initrd, gz2);
        try (BootFiles files = BootFiles.open(kernel, initrd, later, MEM)) {
            assertArrayEquals(cpio2, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
        // A record that does not name an entry is ignored.
        Files.writeString(dirOfCache.resolve("by-id").resolve(InitrdCache.FileId.of(initrd).name()), "../../etc/passwd");
        try (BootFiles files = BootFiles.open(kernel, initrd, later, MEM)) {
            assertArrayEquals(cpio2, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void corruptOrPlainInitrdsPassThroughAndAreNotCached() throws Exception {
        Path kernel = file("vmlinux", TestImages.elf(false));
        byte[] gz = InitrdInflaterTest.gzip(new byte[5000]);
        byte[] truncated = Arrays.copyOf(gz, gz.length - 12);
        byte[] plain = "070701plain cpio".getBytes();
        InitrdCache cache = new InitrdCache(dir.resolve("cache"));
        for (byte[] initrd : List.of(truncated, plain)) {
            try (BootFiles files = BootFiles.open(kernel, file("initrd", initrd), cache, MEM)) {
                assertArrayEquals(initrd, files.initrd().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        if (Files.exists(cache.directory())) {
            try (Stream<Path> s = Files.list(cache.directory())) {
                assertEquals(List.of(), s.toList(), "no entry and no temporary file");
            }
        }
    }

    @Test
    void anUnwritableCacheFallsBackToInflatingInMemory() throws Exception {
        byte[] cpio = "070701some archive".repeat(100).getBytes();
        Path notADir = file("not-a-directory", new byte[1]);
        try (BootFiles files = BootFiles.open(file("vmlinux", TestImages.elf(false)),
                file("initrd.gz", InitrdInflaterTest.gzip(cpio)), new InitrdCache(notADir.resolve("cache")), MEM)) {
            assertFalse(files.initrd().isMapped());
            assertArrayEquals(cpio, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void withoutACacheAGzipInitrdIsMappedAsItIs() throws Exception {
        byte[] gz = InitrdInflaterTest.gzip(new byte[3000]);
        try (BootFiles files = BootFiles.open(file("vmlinux", TestImages.elf(false)), file("initrd.gz", gz), null, MEM)) {
            assertTrue(files.initrd().isMapped());
            assertSame(gz.length, (int) files.initrd().byteSize());
            assertArrayEquals(gz, files.initrd().toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
