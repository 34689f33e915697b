package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Loads real kernels when this machine has some: the guest-images cache (~/.cache/jvmm/images/*
 * /vmlinux and bzImage), the host's /boot/vmlinuz-* and -Djvmm.boot.testKernel=FILE. Skips when there
 * are none; the synthetic
 * images in the other tests do not depend on these.
 */
class RealKernelSmokeTest {

    @TestFactory
    Stream<DynamicTest> realKernelsLoad() throws IOException {
        List<Path> kernels = new ArrayList<>();
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "jvmm", "images");
        if (Files.isDirectory(cache)) {
            try (Stream<Path> s = Files.walk(cache, 2)) {
                s.filter(p -> p.getFileName().toString().equals("vmlinux") || p.getFileName().toString().equals("bzImage"))
                        .filter(Files::isRegularFile).forEach(kernels::add);
            }
        }
        String extra = System.getProperty("jvmm.boot.testKernel", "");
        if (!extra.isBlank()) {
            kernels.add(Path.of(extra));
        }
        Path boot = Path.of("/boot");
        if (Files.isDirectory(boot)) {
            try (Stream<Path> s = Files.list(boot)) {
                s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).filter(Files::isReadable).forEach(kernels::add);
            }
        }
        assumeTrue(!kernels.isEmpty(), "no real kernel on this machine (guest-images cache or /boot/vmlinuz-*)");
        return kernels.stream().map(k -> DynamicTest.dynamicTest(k.toString(), () -> load(k)));
    }

    private static void load(Path kernel) {
        try (TestMemory t = TestMemory.machine(512L << 20); BootFiles files = BootFiles.open(kernel, null, null, 0)) {
            BootConfig config = new BootConfig(files.kernel(), null, KernelCmdline.defaults().toString(), 2);
            BootResult r = LinuxLoader.load(t.memory, config);
            System.out.println(kernel + ": " + r.summary());
            assertTrue(r.kernelStart().value() >= 0x100000);
            if (r.format() == BootResult.KernelFormat.BZIMAGE_64) {
                assertEquals(r.kernelStart().value() + 0x200, r.bootCpu().rip());
            } else {
                assertTrue(r.bootCpu().rip() >= r.kernelStart().value() && r.bootCpu().rip() < r.kernelEnd().value(),
                        "entry inside the kernel");
                // Every PT_LOAD segment went from the mapped file into guest RAM byte for byte.
                for (ElfKernel.LoadSegment seg : ElfKernel.parse(files.kernel()).segments()) {
                    assertEquals(-1, t.memory.slice(GuestAddress.of(seg.paddr()), seg.filesz())
                            .mismatch(files.kernel().asSlice(seg.offset(), seg.filesz())), "segment at " + seg.paddr());
                }
            }
        }
    }
}
