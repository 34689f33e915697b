package io.jvmm.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The exit-path guest: exactly N port-I/O exits reach the bus, through jvmm and through the binding alone. */
@Tag("kvm")
@Timeout(120)
class ExitPathProbeTest {
    static void assumeKvm() {
        Path kvm = Path.of(Hypervisor.DEV_KVM);
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: KVM tests skipped");
    }

    @Test
    void pioLoopGuestMakesExactlyNExits() throws Exception {
        assumeKvm();
        try (Hypervisor h = Hypervisor.open()) {
            ExitPathProbe.Result r = ExitPathProbe.jvmm(h, 2000);
            assertEquals(2000, r.exits());
            assertTrue(r.usPerExit() > 0);
            assertEquals(2000, ExitPathProbe.bindingOnly(h, 2000).exits());
            assertEquals(2000, ExitPathProbe.bindingOnly(h, 2000, true).exits());
        }
    }
}
