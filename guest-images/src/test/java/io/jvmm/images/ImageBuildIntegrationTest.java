package io.jvmm.images;

import io.jvmm.images.build.BusyboxTree;
import io.jvmm.images.build.Host;
import io.jvmm.images.build.Manifest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Builds the real images (about 6 minutes for the minimal kernel from scratch on 2 cores; reuses
 * the cache when inputs are unchanged) and checks each artifact with independent tools.
 * Tagged "images": excluded from the default test run. Cache: -Djvmm.images.cache=DIR, else
 * the default cache root.
 */
@Tag("images")
class ImageBuildIntegrationTest {
    /** XEN_ELFNOTE_PHYS32_ENTRY (include/xen/interface/elfnote.h): the PVH entry point. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    static final int PT_NOTE = 4;

    /** A visible skip naming the install line when a checking tool is missing. */
    static void assumeTools(String... programsAndPackages) {
        for (int i = 0; i < programsAndPackages.length; i += 2) {
            String program = programsAndPackages[i];
            assumeTrue(Host.findOnPath(program).isPresent(), program + " not installed: apt-get install "
                    + programsAndPackages[i + 1] + " (or run .ci/install-test-tools)");
        }
    }

    private static Path cacheRoot() {
        String dir = System.getProperty("jvmm.images.cache");
        return dir != null && !dir.isBlank() ? Path.of(dir) : GuestImages.defaultCacheRoot();
    }

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void minimalImageIsComplete() throws Exception {
        assumeTools("cpio", "cpio", "e2fsck", "e2fsprogs", "debugfs", "e2fsprogs");
        ImageSet img = ImageBuilder.build(Profile.MINIMAL, cacheRoot(), false, line -> System.out.println("[images] " + line));
        assertEquals(img, GuestImages.current(cacheRoot()).orElseThrow(), "current points at the minimal build");

        assertTrue(hasPvhNote(Files.readAllBytes(img.vmlinux())), "vmlinux has a Xen PHYS32_ENTRY (PVH) note");
        assertBzImageHeader(img.bzImage());
        assertTrue(Files.readString(img.systemMap()).contains(" entry_SYSCALL_64\n"));
        assertTrue(Files.readString(img.systemMap()).contains(" syscall_trap_setup\n"), "patch 3 is compiled in");

        List<String> listing = cpioList(img.initramfs());
        assertTrue(listing.containsAll(List.of("init", "bin/busybox", "bin/sh", "dev/console")), listing.toString());

        run(List.of("e2fsck", "-fn", img.rootfs().toString()));
        String sum = run(List.of("debugfs", "-R", "cat /payload/data.sha256", img.rootfs().toString()));
        assertTrue(sum.contains("  /payload/data.bin"), sum);

        String manifest = Files.readString(img.manifest());
        assertTrue(manifest.contains(Manifest.fileSha256(img.vmlinux())), "manifest holds vmlinux's sha256");
        assertTrue(manifest.contains("\"linux-source-6.1\""), manifest);

        assumeTrue("root".equals(System.getProperty("user.name")), "running the OCI bundle needs root");
        assertTrue(runBundle(img.bundle()).contains(BusyboxTree.MARKER), "bundle prints the marker line");
    }

    /**
     * Runs the bundle with crun, or with runc where crun refuses: crun 1.8 (Debian 12) rejects
     * hybrid cgroup hosts whose cgroup2 hierarchy holds any controller ("cgroups in hybrid mode
     * not supported"); runc runs there.
     */
    static String runBundle(Path bundle) throws Exception {
        String id = "jvmm-images-test-" + ProcessHandle.current().pid();
        StringBuilder tried = new StringBuilder();
        for (String runtime : List.of("crun", "runc")) {
            if (Host.findOnPath(runtime).isEmpty()) {
                tried.append(runtime).append(": not installed (apt-get install ").append(runtime)
                        .append(", or run .ci/install-test-tools); ");
                continue;
            }
            Process p = new ProcessBuilder(runtime, "run", "--bundle", bundle.toString(), id).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc == 0) {
                System.out.println("[images] bundle ran with " + runtime + ": " + out.strip());
                return out;
            }
            // Only the host limitation is tolerated; any other failure is the bundle's fault.
            assertTrue(out.contains("hybrid mode not supported"), runtime + " run failed (" + rc + "): " + out);
            tried.append(runtime).append(": ").append(out.strip()).append("; ");
        }
        assumeTrue(false, "no OCI runtime can run containers on this host: " + tried);
        return "";
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void debianImageHasStockKernelAndModules() throws Exception {
        assumeTools("cpio", "cpio", "e2fsck", "e2fsprogs");
        ImageSet img = ImageBuilder.build(Profile.DEBIAN, cacheRoot(), false, line -> System.out.println("[images] " + line));
        assertBzImageHeader(img.bzImage());
        byte[] vmlinux = Files.readAllBytes(img.vmlinux());
        assertEquals(0x464c457f, ByteBuffer.wrap(vmlinux).order(ByteOrder.LITTLE_ENDIAN).getInt(0), "ELF");
        List<String> listing = cpioList(img.initramfs());
        assertTrue(listing.containsAll(List.of("init", "bin/busybox", "lib/modules/virtio_mmio.ko",
                "lib/modules/virtio_blk.ko", "lib/modules/virtio.ko")), listing.toString());
        assertTrue(Files.readString(img.manifest()).contains("\"linux-image-6.1"), "versioned package in manifest");
        run(List.of("e2fsck", "-fn", img.rootfs().toString()));
    }

    static void assertBzImageHeader(Path bzImage) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bzImage)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xAA55, Short.toUnsignedInt(b.getShort(0x1FE)), "boot_flag");
        assertEquals(0x53726448, b.getInt(0x202), "header \"HdrS\"");
        assertTrue(Short.toUnsignedInt(b.getShort(0x206)) >= 0x20c, "boot protocol >= 2.12");
    }

    /** Walks the PT_NOTE segments of an ELF64 file for a "Xen" note of type PHYS32_ENTRY. */
    static boolean hasPvhNote(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x464c457f, b.getInt(0), "ELF magic");
        assertEquals(2, elf[4], "ELFCLASS64");
        long phoff = b.getLong(0x20);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36));
        int phnum = Short.toUnsignedInt(b.getShort(0x38));
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) != PT_NOTE) {
                continue;
            }
            int off = (int) b.getLong(ph + 0x08);
            int end = off + (int) b.getLong(ph + 0x20);
            while (off + 12 <= end) {
                int namesz = b.getInt(off);
                int descsz = b.getInt(off + 4);
                int type = b.getInt(off + 8);
                String name = new String(elf, off + 12, Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
                if (name.equals("Xen") && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                    return true;
                }
                off += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
            }
        }
        return false;
    }

    static List<String> cpioList(Path gz) throws Exception {
        Process p = new ProcessBuilder("cpio", "-t", "--quiet").start();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz)); var to = p.getOutputStream()) {
            in.transferTo(to);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "cpio -t");
        return out.lines().toList();
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
