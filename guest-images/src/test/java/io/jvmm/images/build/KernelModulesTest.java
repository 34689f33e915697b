package io.jvmm.images.build;

import io.jvmm.images.ImageBuildException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelModulesTest {
    /**
     * A minimal ELF64 with two sections besides the null one: .shstrtab and .modinfo.
     * Layout: ELF header (64) | shstrtab | modinfo | section headers (3 x 64).
     */
    static byte[] module(String depends) {
        byte[] shstr = "\0.shstrtab\0.modinfo\0".getBytes(StandardCharsets.US_ASCII);
        byte[] info = ("license=GPL\0depends=" + depends + "\0vermagic=6.1\0").getBytes(StandardCharsets.US_ASCII);
        int shstrOff = 64;
        int infoOff = shstrOff + shstr.length;
        int shoff = (infoOff + info.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putLong(0x28, shoff).putShort(0x3A, (short) 64).putShort(0x3C, (short) 3).putShort(0x3E, (short) 1);
        b.put(shstrOff, shstr).put(infoOff, info);
        b.putInt(shoff + 64, 1).putLong(shoff + 64 + 0x18, shstrOff).putLong(shoff + 64 + 0x20, shstr.length);
        b.putInt(shoff + 128, 11).putLong(shoff + 128 + 0x18, infoOff).putLong(shoff + 128 + 0x20, info.length);
        return b.array();
    }

    @Test
    void readsDependsFromModinfo() throws IOException {
        assertEquals(List.of("virtio", "virtio_ring"), KernelModules.depends(module("virtio,virtio_ring")));
        assertEquals(List.of(), KernelModules.depends(module("")));
        assertThrows(IOException.class, () -> KernelModules.depends(new byte[100]));
    }

    @Test
    void ordersDependenciesFirstAndSkipsBuiltins(@TempDir Path dir) throws IOException {
        Path k = Files.createDirectories(dir.resolve("kernel/drivers"));
        Files.write(k.resolve("virtio.ko"), module(""));
        Files.write(k.resolve("virtio_ring.ko"), module("virtio"));
        Files.write(k.resolve("virtio_mmio.ko"), module("virtio,virtio_ring"));
        Files.write(k.resolve("virtio-rng.ko"), module("virtio,virtio_ring,rng_core"));
        Files.writeString(dir.resolve("modules.builtin"), "kernel/drivers/char/hw_random/rng-core.ko\n");
        List<String> order = new KernelModules(dir).loadOrder(List.of("virtio_mmio", "virtio_rng")).stream()
                .map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("virtio.ko", "virtio_ring.ko", "virtio_mmio.ko", "virtio-rng.ko"), order);
        assertThrows(IOException.class, () -> new KernelModules(dir).loadOrder(List.of("ext4")));
    }

    @Test
    void resolvesVersionedKernelPackage() {
        DebianKernel.Resolved r = DebianKernel.parseDepends("""
                Package: linux-image-cloud-amd64
                Version: 6.1.192-2
                Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)
                """);
        assertEquals(new DebianKernel.Resolved("linux-image-6.1.0-56-cloud-amd64", "6.1.192-2"), r);
        assertThrows(ImageBuildException.class, () -> DebianKernel.parseDepends("Package: x\n"));
    }

    @Test
    void picksDecompressorByMagic() {
        assertEquals(List.of("lz4", "-dc"), DebianKernel.decompressorFor(new byte[] {0x02, 0x21, 0x4c, 0x18, 0}));
        assertEquals(List.of("gzip", "-dc"), DebianKernel.decompressorFor(new byte[] {0x1f, (byte) 0x8b, 8}));
        assertThrows(ImageBuildException.class, () -> DebianKernel.decompressorFor(new byte[] {1, 2, 3, 4, 5}));
    }
}
