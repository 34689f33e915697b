package io.jvmm.cli;

import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What every real-Linux boot test needs first: a usable /dev/kvm and the cached minimal image. */
final class BootTestImage {
    private BootTestImage() {
    }

    /** The cached minimal image; skips the calling test (visibly, with the fix) when it or /dev/kvm is missing. */
    static ImageSet minimalOrSkip() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: boot tests skipped");
        ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).orElse(null);
        assumeTrue(image != null, "no minimal guest image in " + GuestImages.defaultCacheRoot()
                + ": run ./jvmm images build (CI does) to run the boot tests");
        return image;
    }

    /** The cached image of the "acpi" profile; skips the calling test (saying how to build it) when missing. */
    static ImageSet acpiOrSkip() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: boot tests skipped");
        ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot(), Profile.ACPI).orElse(null);
        assumeTrue(image != null, "no acpi guest image in " + GuestImages.defaultCacheRoot()
                + ": run ./jvmm images build --profile acpi (CI does) to run the ACPI boot test");
        return image;
    }
}
