package io.jvmm.images.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** jvmm's own build inputs, shipped as resources under io/jvmm/images/ in this module. */
public final class Resources {
    public static final String KERNEL_FRAGMENT = "kernel/minimal.config";
    /** Merged over {@link #KERNEL_FRAGMENT} for the "acpi" profile. */
    public static final String KERNEL_ACPI_FRAGMENT = "kernel/acpi.config";
    public static final String INIT = "init/init.sh";
    public static final String BUNDLE_CONFIG = "bundle/config.json";
    /** Applied in this order by `patch -p1`; each starts with a comment saying why. */
    public static final java.util.List<String> KERNEL_PATCHES = java.util.List.of(
            "kernel/patches/0001-skip-int3-selftest.patch",
            "kernel/patches/0002-fpu-drop-no-fwait.patch",
            "kernel/patches/0003-syscall-trap.patch",
            "kernel/patches/0004-hz-25-50.patch");

    private Resources() {
    }

    public static byte[] load(String name) {
        try (InputStream in = Resources.class.getResourceAsStream("/io/jvmm/images/" + name)) {
            if (in == null) {
                throw new IllegalStateException("resource io/jvmm/images/" + name + " missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + name, e);
        }
    }

    public static String text(String name) {
        return new String(load(name), java.nio.charset.StandardCharsets.UTF_8);
    }
}
