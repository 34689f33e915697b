package io.jvmm.images.build;

import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ImageSet;
import io.jvmm.images.ProgressSink;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The "debian" profile's kernel: Debian's prebuilt cloud kernel. linux-image-cloud-amd64 is a
 * meta package; its Depends names the versioned image package, which is downloaded with
 * {@code apt-get download} and unpacked with {@code dpkg-deb -x} (never installed on the host).
 * vmlinuz becomes bzImage; vmlinux is its payload, decompressed; the virtio and ext4 modules and
 * their dependencies go into the initramfs for /init to insmod.
 */
public final class DebianKernel {
    public static final String META_PACKAGE = "linux-image-cloud-amd64";
    /** Modules /init loads, beyond what they depend on. */
    static final List<String> WANTED_MODULES = List.of("virtio_mmio", "virtio_blk", "virtio_net", "virtio_rng", "ext4");
    static final String GUEST_MODULE_DIR = "/lib/modules";
    private static final Pattern VERSIONED = Pattern.compile("^Depends:.*?(linux-image-[^ ,]+) \\(= ([^)]+)\\)", Pattern.MULTILINE);

    /** Module files for the guest (path to contents) and the /init lines that load them, in order. */
    public record Modules(List<String> insmodLines, java.util.SortedMap<String, byte[]> files) {
        public static final Modules NONE = new Modules(List.of(), new java.util.TreeMap<>());

        /** Adds {@link #GUEST_MODULE_DIR} and the module files to {@code tree}. */
        public void addTo(GuestTree tree) {
            if (!files.isEmpty()) {
                tree.dir(GUEST_MODULE_DIR, 0755);
                files.forEach((path, bytes) -> tree.file(path, 0644, bytes));
            }
        }
    }

    /** Versioned package name and version, e.g. linux-image-6.1.0-56-cloud-amd64 6.1.192-2. */
    public record Resolved(String packageName, String version) { }

    private final Host host;
    private final ProgressSink progress;

    public DebianKernel(Host host, ProgressSink progress) {
        this.host = host;
        this.progress = progress;
    }

    /** Resolves the meta package to the versioned image package apt would install now. */
    public Resolved resolve() {
        String show;
        try {
            show = host.run("resolve " + META_PACKAGE, "apt-cache", "show", "--no-all-versions", META_PACKAGE);
        } catch (ImageBuildException e) {
            progress.progress("apt-cache knows no " + META_PACKAGE + "; running apt-get update");
            host.run("apt-get update", List.of("apt-get", "update", "-q"), null,
                    Map.of("DEBIAN_FRONTEND", "noninteractive"), line -> { });
            show = host.run("resolve " + META_PACKAGE, "apt-cache", "show", "--no-all-versions", META_PACKAGE);
        }
        return parseDepends(show);
    }

    static Resolved parseDepends(String aptCacheShow) {
        Matcher m = VERSIONED.matcher(aptCacheShow);
        if (!m.find()) {
            throw new ImageBuildException("resolve " + META_PACKAGE + ": no versioned linux-image dependency in apt-cache show");
        }
        return new Resolved(m.group(1), m.group(2));
    }

    /**
     * Downloads and unpacks the kernel package under {@code work}, writes bzImage, vmlinux and
     * System.map to {@code out}, and returns the modules /init loads.
     */
    public Modules build(Resolved kernel, Path work, Path out) throws IOException {
        Path dir = work.resolve(kernel.packageName() + "_" + kernel.version());
        Path unpacked = dir.resolve("root");
        if (!Files.isDirectory(unpacked.resolve("boot"))) {
            Files.createDirectories(dir);
            progress.progress("debian kernel: apt-get download " + kernel.packageName() + "=" + kernel.version());
            host.run("download " + kernel.packageName(), List.of("apt-get", "download",
                    kernel.packageName() + "=" + kernel.version()), dir, Map.of(), line -> { });
            Path deb;
            try (Stream<Path> files = Files.list(dir)) {
                deb = files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new ImageBuildException("download " + kernel.packageName() + ": no .deb"));
            }
            ImageCache.deleteTree(unpacked);
            host.run("unpack " + deb.getFileName(), "dpkg-deb", "-x", deb.toString(), unpacked.toString());
        }
        String release = kernel.packageName().substring("linux-image-".length());
        Path vmlinuz = unpacked.resolve("boot/vmlinuz-" + release);
        Files.copy(vmlinuz, out.resolve(ImageSet.BZIMAGE));
        Files.copy(unpacked.resolve("boot/System.map-" + release), out.resolve(ImageSet.SYSTEM_MAP));
        progress.progress("debian kernel: decompressing vmlinux from " + vmlinuz.getFileName());
        Files.write(out.resolve(ImageSet.VMLINUX), decompressPayload(Files.readAllBytes(vmlinuz)));

        KernelModules modules = new KernelModules(unpacked.resolve("lib/modules/" + release));
        List<String> insmod = new ArrayList<>();
        java.util.SortedMap<String, byte[]> files = new java.util.TreeMap<>();
        for (Path ko : modules.loadOrder(WANTED_MODULES)) {
            String guestPath = GUEST_MODULE_DIR + "/" + ko.getFileName();
            files.put(guestPath, Files.readAllBytes(ko));
            insmod.add("insmod " + guestPath);
        }
        progress.progress("debian kernel: " + insmod.size() + " modules for the initramfs: "
                + String.join(", ", insmod.stream().map(l -> l.substring(l.lastIndexOf('/') + 1)).toList()));
        return new Modules(List.copyOf(insmod), files);
    }

    /**
     * The kernel image inside a bzImage, via the boot protocol header (Documentation/x86/boot.rst,
     * protocol 2.08+): the compressed payload starts payload_offset bytes into the protected-mode
     * part, which begins at (setup_sects + 1) * 512; its last 4 bytes are the decompressed size.
     * <pre>
     * 0x1F1 setup_sects (1)   0x202 header "HdrS" (4)   0x206 version (2)
     * 0x248 payload_offset (4)   0x24C payload_length (4)
     * </pre>
     */
    byte[] decompressPayload(byte[] bz) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bz).order(ByteOrder.LITTLE_ENDIAN);
        if (bz.length < 0x250 || b.getInt(0x202) != 0x53726448 || Short.toUnsignedInt(b.getShort(0x206)) < 0x208) {
            throw new ImageBuildException("debian kernel: vmlinuz has no boot protocol 2.08+ header");
        }
        int setupSects = Byte.toUnsignedInt(bz[0x1F1]) == 0 ? 4 : Byte.toUnsignedInt(bz[0x1F1]);
        long start = (setupSects + 1L) * 512 + Integer.toUnsignedLong(b.getInt(0x248));
        long length = Integer.toUnsignedLong(b.getInt(0x24C));
        if (length < 8 || start + length > bz.length) {
            throw new ImageBuildException("debian kernel: vmlinuz payload out of bounds");
        }
        byte[] payload = Arrays.copyOfRange(bz, (int) start, (int) (start + length - 4));
        List<String> tool = decompressorFor(payload);
        Process p = new ProcessBuilder(tool).start();
        ByteArrayOutputStream result = new ByteArrayOutputStream(64 << 20);
        Thread feeder = Thread.ofVirtual().name("vmlinuz-feeder").start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(payload);
            } catch (IOException ignored) {
                // The decompressor stopped reading; its exit status reports why.
            }
        });
        try (InputStream o = p.getInputStream()) {
            o.transferTo(result);
            int rc = p.waitFor();
            feeder.join();
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            byte[] elf = result.toByteArray();
            // lz4 legacy frames may report trailing data; what matters is that an ELF came out.
            if (elf.length < 4 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
                throw new ImageBuildException("debian kernel: " + String.join(" ", tool) + " exited " + rc
                        + " without an ELF vmlinux: " + err);
            }
            return elf;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageBuildException("debian kernel: interrupted while decompressing", e);
        }
    }

    /** Picks the decompressor from the payload's magic bytes (lib/decompress.c's table). */
    static List<String> decompressorFor(byte[] p) {
        if (p.length > 4 && (p[0] & 0xff) == 0x02 && (p[1] & 0xff) == 0x21 && (p[2] & 0xff) == 0x4c && (p[3] & 0xff) == 0x18) {
            return List.of("lz4", "-dc");
        }
        if (p.length > 2 && (p[0] & 0xff) == 0x1f && (p[1] & 0xff) == 0x8b) {
            return List.of("gzip", "-dc");
        }
        if (p.length > 6 && (p[0] & 0xff) == 0xfd && p[1] == '7' && p[2] == 'z' && p[3] == 'X' && p[4] == 'Z') {
            return List.of("xz", "-dc");
        }
        if (p.length > 4 && (p[0] & 0xff) == 0x28 && (p[1] & 0xff) == 0xb5 && (p[2] & 0xff) == 0x2f && (p[3] & 0xff) == 0xfd) {
            return List.of("zstd", "-dc");
        }
        throw new ImageBuildException("debian kernel: unknown compression of the vmlinuz payload");
    }
}
