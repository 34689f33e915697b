package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Feeds thousands of malformed kernels to the loader: mutated headers, random field values,
 * truncations and random bytes, for both formats. Whatever the input, the loader either boots it or
 * throws {@link BootException}; any other exception (GuestMemoryException, IndexOutOfBounds,
 * NegativeArraySize, arithmetic overflow surfacing as a bad write) fails the test. Seeds are fixed so
 * a failure reproduces; the failing seed and iteration are in the message.
 */
class HeaderFuzzTest {
    private static final int ITERATIONS = 4000;
    /** Header fields a bzImage loader reads: {offset, width}. */
    private static final int[][] BZ_FIELDS = {
        {0x1f1, 1}, {0x1fe, 2}, {0x201, 1}, {0x202, 4}, {0x206, 2}, {0x211, 1}, {0x214, 4}, {0x22c, 4},
        {0x230, 4}, {0x234, 1}, {0x236, 2}, {0x238, 4}, {0x258, 8}, {0x260, 4},
    };
    /** ELF fields: e_ident class/data, e_machine, e_entry, e_phoff, e_phentsize, e_phnum, and both phdrs. */
    private static final int[][] ELF_FIELDS = {
        {4, 1}, {5, 1}, {0x12, 2}, {0x18, 8}, {0x20, 8}, {0x36, 2}, {0x38, 2},
        {64, 4}, {72, 8}, {80, 8}, {88, 8}, {96, 8}, {104, 8},
        {120, 4}, {128, 8}, {152, 8}, {160, 8},
    };

    @Test
    void bzImageHeadersOnlyEverFailWithBootException() {
        fuzz(0xb21_3a9eL, TestImages::bzImage, BZ_FIELDS);
    }

    @Test
    void elfHeadersOnlyEverFailWithBootException() {
        fuzz(0xe1f_0bb1L, () -> TestImages.elf(true), ELF_FIELDS);
    }

    @Test
    void randomBytesAndTruncationsOnlyEverFailWithBootException() {
        Random rnd = new Random(0x5eed);
        byte[] bz = TestImages.bzImage();
        byte[] elf = TestImages.elf(true);
        try (TestMemory t = TestMemory.of(32L << 20)) {
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] input = switch (i % 3) {
                    case 0 -> Arrays.copyOf(bz, rnd.nextInt(bz.length + 1));
                    case 1 -> Arrays.copyOf(elf, rnd.nextInt(elf.length + 1));
                    default -> {
                        byte[] b = new byte[rnd.nextInt(4096)];
                        rnd.nextBytes(b);
                        if (b.length > 4 && rnd.nextBoolean()) {
                            b[0] = 0x7f; b[1] = 'E'; b[2] = 'L'; b[3] = 'F';
                        }
                        yield b;
                    }
                };
                attempt(t, input, "random/truncated #" + i);
            }
        }
    }

    private static void fuzz(long seed, Supplier<byte[]> base, int[][] fields) {
        Random rnd = new Random(seed);
        int booted = 0;
        try (TestMemory t = TestMemory.of(32L << 20)) {
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] image = base.get();
                int mutations = 1 + rnd.nextInt(3);
                for (int k = 0; k < mutations; k++) {
                    int[] f = fields[rnd.nextInt(fields.length)];
                    long value = interesting(rnd);
                    for (int b = 0; b < f[1]; b++) {
                        image[f[0] + b] = (byte) (value >>> (8 * b));
                    }
                }
                if (attempt(t, image, "seed " + seed + " #" + i)) {
                    booted++;
                }
            }
        }
        // Some mutations leave a bootable image (e.g. a harmless flag change): the fuzzer reached the loader's end.
        assertTrue(booted > 0 && booted < ITERATIONS, "booted " + booted + " of " + ITERATIONS);
    }

    /** Boundary-heavy values: 0, all ones, sign bits, powers of two and their neighbours, random. */
    private static long interesting(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> 1L << rnd.nextInt(64);
            case 3 -> (1L << rnd.nextInt(64)) - 1;
            case 4 -> rnd.nextInt(0x10000);
            default -> rnd.nextLong();
        };
    }

    private static boolean attempt(TestMemory t, byte[] image, String what) {
        try {
            LinuxLoader.load(t.memory, new BootConfig(image, new byte[5000], "console=ttyS0", 1 + (image.length & 3)));
            return true;
        } catch (BootException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().contains("\n"), what);
            return false;
        } catch (RuntimeException | Error e) {
            fail(what + ": " + e, e);
            return false;
        }
    }
}
