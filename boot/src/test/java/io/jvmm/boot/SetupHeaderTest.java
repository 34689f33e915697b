package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SetupHeaderTest {

    @Test
    void parsesTheFieldsOfAValidHeader() {
        SetupHeader h = SetupHeader.parse(TestImages.bzImage());
        assertEquals(4, h.setupSects());
        assertEquals(0x020f, h.version());
        assertEquals(0x10_0000, h.code32Start());
        assertEquals(0x7fff_ffff, h.initrdAddrMax());
        assertEquals(0x20_0000, h.kernelAlignment());
        assertTrue(h.relocatableKernel());
        assertEquals(2047, h.cmdlineSize());
        assertEquals(TestImages.PREF_ADDRESS, h.prefAddress());
        assertEquals(TestImages.INIT_SIZE, h.initSize());
        assertEquals(5 * 512, h.setupSize());
        assertEquals(0x7b, h.headerCopyLength());
    }

    @Test
    void setupSectsZeroMeansFour() {
        byte[] image = TestImages.bzImage();
        image[0x1f1] = 0;
        assertEquals(4, SetupHeader.parse(image).setupSects());
    }

    @Test
    void wrongMagic() {
        byte[] image = TestImages.bzImage();
        image[0x202] = 'X';
        assertMessage(image, "bzImage: setup header magic is 0x53726458 not HdrS (is this a bzImage?)");
    }

    @Test
    void wrongBootFlag() {
        byte[] image = TestImages.bzImage();
        image[0x1fe] = 0;
        assertMessage(image, "bzImage: boot_flag is 0xaa00 not 0xaa55");
    }

    @Test
    void protocolTooOld() {
        byte[] image = TestImages.bzImage();
        le(image).putShort(0x206, (short) 0x020b);
        assertMessage(image, "bzImage: boot protocol 2.11 is too old (need 2.12 or later for the 64-bit entry)");
    }

    @Test
    void not64BitCapable() {
        byte[] image = TestImages.bzImage();
        le(image).putShort(0x236, (short) 0x0002);
        assertMessage(image, "bzImage: xloadflags lacks XLF_KERNEL_64: this kernel has no 64-bit entry point");
    }

    @Test
    void truncatedInsideTheHeader() {
        byte[] image = Arrays.copyOf(TestImages.bzImage(), 0x220);
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(image));
        assertTrue(e.getMessage().startsWith("bzImage: truncated: setup header"), e.getMessage());
    }

    @Test
    void truncatedBeforeTheProtectedModeKernel() {
        byte[] image = Arrays.copyOf(TestImages.bzImage(), 5 * 512);
        assertMessage(image, "bzImage: truncated: setup_sects = 4 puts the protected-mode kernel at offset 0xa00"
                + " but the file is 2560 bytes");
    }

    @Test
    void kernelAlignmentMustBeAPowerOfTwo() {
        byte[] image = TestImages.bzImage();
        le(image).putInt(0x230, 0x30_0000);
        assertMessage(image, "bzImage: kernel_alignment 0x300000 is not a power of two");
    }

    private static void assertMessage(byte[] image, String message) {
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(image));
        assertEquals(message, e.getMessage());
    }

    private static ByteBuffer le(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }
}
