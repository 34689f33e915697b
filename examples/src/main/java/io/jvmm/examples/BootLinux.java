package io.jvmm.examples;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.images.GuestImages;
import io.jvmm.images.ImageSet;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineListener;
import io.jvmm.machine.MachineSpec;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Boots the default Linux guest through the machine module, the library behind {@code jvmm run}: a spec,
 * then build, start, wait, close. The guest runs one command and powers off. Needs the cached guest image
 * ({@code ./jvmm images build}). Run it with {@code examples/run BootLinux}.
 */
public final class BootLinux {
    private BootLinux() {
    }

    public static void main(String[] args) throws Exception {
        ImageSet image = GuestImages.current(GuestImages.defaultCacheRoot()).orElse(null);
        if (image == null) {
            System.err.println("no guest image in " + GuestImages.defaultCacheRoot() + ": run ./jvmm images build");
            System.exit(1);
        }
        MachineExit exit = run(image, System.out, System.err);
        System.exit(exit != null && exit.success() ? 0 : 1);
    }

    /** Boots {@code image}, its console to {@code console}; returns how the machine ended (null: timeout). */
    static MachineExit run(ImageSet image, OutputStream console, PrintStream log) throws Exception {
        MachineSpec spec = MachineSpec.builder()
                .kernel(image.vmlinux())                 // ELF vmlinux: PVH entry
                .initrd(image.initramfs())
                .firstDisk(new MachineSpec.DiskSpec(image.rootfs(), false, true)) // /dev/vda, copy-on-write
                .append("jvmm.cmd=\"uname -a\"")         // /init runs this, then powers off
                .build();
        try (Hypervisor kvm = Hypervisor.open(); Machine machine = Machine.build(kvm, spec, console, System.nanoTime())) {
            machine.addListener(new MachineListener() {
                @Override
                public void bootTimerFired(BootTimer.BootTime time) {
                    log.println("[example] /init reached after " + time.sinceBuildStart().toMillis() + " ms");
                }
            });
            machine.start();                             // vmm-io and vcpu-0 start; KVM_RUN
            MachineExit exit = machine.awaitExit(Duration.ofMinutes(20));
            log.println("[example] machine ended: " + (exit == null ? "timeout" : exit.reason()));
            return exit;
        }                                                // the ordered teardown
    }
}
