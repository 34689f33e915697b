package io.jvmm.examples;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.images.Profile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Linux example boots the default guest, which runs its command and powers off (minutes on an emulating host). */
@Tag("boot")
class BootLinuxTest {
    @Test
    @Timeout(value = 1500, unit = TimeUnit.SECONDS)
    void theDefaultGuestBootsRunsUnameAndPowersOff() throws Exception {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host: boot tests skipped");
        ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).orElse(null);
        assumeTrue(image != null, "no minimal guest image: run ./jvmm images build (CI does) to run the boot tests");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineExit exit = BootLinux.run(image, console, new PrintStream(log, true, StandardCharsets.UTF_8));
        String out = console.toString(StandardCharsets.UTF_8);
        assertNotNull(exit, "the guest did not end:\n" + out);
        assertTrue(exit.success(), exit.reason() + "\n" + out);
        // Computed by the guest: the kernel echoes its command line, which holds only "uname -a".
        assertTrue(out.matches("(?s).*\\nLinux \\(none\\) 6\\.1\\.\\d+ .*"), "uname did not run:\n" + out);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("/init reached after"), log.toString(StandardCharsets.UTF_8));
    }
}
