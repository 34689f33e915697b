package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelCmdlineTest {

    @Test
    void defaultLine() {
        assertEquals("console=ttyS0 reboot=k panic=1", KernelCmdline.defaults().toString());
    }

    @Test
    void appendAndVirtioDevices() {
        String line = KernelCmdline.defaults()
                .addVirtioMmioDevice(0xc000_1000L, 0x1000, 5)
                .addVirtioMmioDevice(0xc000_2000L, 0x1000, 6)
                .append("  quiet ")
                .append("")
                .toString();
        assertEquals("console=ttyS0 reboot=k panic=1 virtio_mmio.device=4K@0xc0001000:5"
                + " virtio_mmio.device=4K@0xc0002000:6 quiet", line);
    }

    @Test
    void replacedLine() {
        assertEquals("root=/dev/vda", KernelCmdline.of(" root=/dev/vda ").toString());
        assertEquals("a", KernelCmdline.of("").append("a").toString());
    }

    @Test
    void encodeAddsTheNulAndEnforcesTheLimit() {
        byte[] b = KernelCmdline.encode("abc", 3);
        assertEquals(4, b.length);
        assertEquals(0, b[3]);
        assertEquals("kernel command line is 4 bytes, longer than the 3 the kernel accepts (cmdline_size)",
                assertThrows(BootException.class, () -> KernelCmdline.encode("abcd", 3)).getMessage());
        assertEquals("kernel command line contains a NUL byte",
                assertThrows(BootException.class, () -> KernelCmdline.encode("a\0b", 100)).getMessage());
    }
}
