package io.jvmm.images.build;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelConfigTest {
    private static final String BASE = """
            #
            # Automatically generated file; DO NOT EDIT.
            #
            CONFIG_64BIT=y
            # CONFIG_SMP is not set
            CONFIG_HZ_250=y
            CONFIG_HZ=250
            CONFIG_LOG_BUF_SHIFT=17
            """;

    @Test
    void mergeReplacesAppendsAndUnsets() {
        KernelConfig frag = KernelConfig.parse("""
                # comment
                CONFIG_SMP=y
                CONFIG_HZ=100
                # CONFIG_HZ_250 is not set
                CONFIG_HZ_100=y
                CONFIG_CMDLINE="console=ttyS0"
                """);
        String merged = frag.mergeInto(BASE);
        Map<String, String> opts = KernelConfig.parse(merged).options();
        assertEquals("y", opts.get("CONFIG_SMP"));
        assertEquals("100", opts.get("CONFIG_HZ"));
        assertEquals(KernelConfig.NOT_SET, opts.get("CONFIG_HZ_250"));
        assertEquals("y", opts.get("CONFIG_HZ_100"));
        assertEquals("\"console=ttyS0\"", opts.get("CONFIG_CMDLINE"));
        assertEquals("17", opts.get("CONFIG_LOG_BUF_SHIFT"), "untouched options stay");
        assertTrue(merged.contains("# CONFIG_HZ_250 is not set\n"));
        assertTrue(merged.indexOf("CONFIG_HZ_100=y") > merged.indexOf("CONFIG_LOG_BUF_SHIFT"),
                "fragment options come last, so a choice member in the fragment wins over the base's");
        assertEquals(1, merged.lines().filter(l -> l.contains("CONFIG_SMP")).count(), "no duplicate lines");
        assertTrue(frag.missingFrom(merged).isEmpty());
    }

    @Test
    void missingFromReportsWhatOlddefconfigDropped() {
        KernelConfig frag = KernelConfig.parse("CONFIG_TMPFS=y\nCONFIG_64BIT=y\n# CONFIG_MODULES is not set\n");
        List<String> missing = frag.missingFrom(BASE + "CONFIG_MODULES=y\n");
        assertEquals(List.of("CONFIG_TMPFS=y (got: not set)", "# CONFIG_MODULES is not set (got: y)"), missing);
        assertTrue(frag.missingFrom(BASE + "CONFIG_TMPFS=y\n").isEmpty(), "absent means not set");
    }

    @Test
    void rejectsLinesThatAreNotOptions() {
        assertThrows(IllegalArgumentException.class, () -> KernelConfig.parse("CONFIG_SMP y\n"));
    }

    @Test
    void committedFragmentAsksForWhatTheGuestNeeds() {
        Map<String, String> o = KernelConfig.parse(Resources.text(Resources.KERNEL_FRAGMENT)).options();
        for (String sym : List.of("CONFIG_64BIT", "CONFIG_SMP", "CONFIG_KVM_GUEST", "CONFIG_PVH", "CONFIG_SERIAL_8250_CONSOLE",
                "CONFIG_BLK_DEV_INITRD", "CONFIG_RD_GZIP", "CONFIG_DEVTMPFS", "CONFIG_TMPFS", "CONFIG_BINFMT_ELF",
                "CONFIG_BINFMT_SCRIPT", "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES", "CONFIG_VIRTIO_BLK",
                "CONFIG_VIRTIO_NET", "CONFIG_HW_RANDOM_VIRTIO", "CONFIG_EXT4_FS", "CONFIG_UNIX", "CONFIG_INET",
                "CONFIG_DEVMEM", "CONFIG_EARLY_PRINTK", "CONFIG_PARAVIRT_CLOCK")) {
            assertEquals("y", o.get(sym), sym);
        }
        assertEquals("25", o.get("CONFIG_HZ"));
        assertEquals("y", o.get("CONFIG_HZ_25"));
        assertEquals(KernelConfig.NOT_SET, o.get("CONFIG_MODULES"));
        assertFalse(o.containsValue("m"), "no modules in the minimal kernel");
    }

    /** Linux 6.1 offers 100, 250, 300 and 1000 Hz; a lower rate must come from a patch jvmm applies. */
    @Test
    void fragmentsTickRateIsOfferedByTheKconfigPatch() {
        String hz = KernelConfig.parse(Resources.text(Resources.KERNEL_FRAGMENT)).options().get("CONFIG_HZ");
        assertTrue(Resources.KERNEL_PATCHES.contains("kernel/patches/0004-hz-25-50.patch"));
        String patch = Resources.text("kernel/patches/0004-hz-25-50.patch");
        assertTrue(patch.contains("+\tconfig HZ_" + hz + "\n") && patch.contains("+\tdefault " + hz + " if HZ_" + hz + "\n"),
                "kernel/patches/0004 adds no HZ_" + hz + " choice to kernel/Kconfig.hz");
    }
}
