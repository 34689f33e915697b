package io.jvmm.cli.bench;

import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.HypervisorException;

/**
 * The bench's {@code ffm} system: the least a jvmm VM start costs, measured beside {@code java -version}. Run as the
 * main class of a JVM with ./jvmm's options, module path and run AOT cache (the cache holds jvmm's module graph, so it
 * is the same JVM start as {@code jvmm run}'s), it opens {@code /dev/kvm} through jvmm's native gate (the JDK links
 * its one downcall stub, as in every jvmm start), creates a VM, closes it and exits: no picocli, no logging, no
 * device, no guest. The empty VM cannot start faster than this; the difference is jvmm's own start.
 *
 * <p>Exit status 0 when the VM was created; 1, with a line on stderr, when it was not.
 */
public final class FfmFloor {
    private FfmFloor() {
    }

    public static void main(String[] args) {
        try (Hypervisor hypervisor = Hypervisor.open()) {
            hypervisor.createAndCloseVm();
        } catch (HypervisorException e) {
            System.err.println("ffm floor: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
