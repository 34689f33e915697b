package io.jvmm.cli.bench;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.MachineSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each additional VM costs the VMM beyond its guest pages: K machines built in the benchmark's JVM and
 * started paused (every vCPU thread set up and parked before its first KVM_RUN, the I/O thread running, the
 * kernel and initrd in guest RAM), held together. Per VM = (VMM RSS with the K machines − VMM RSS before) ÷ K,
 * where VMM RSS is this process's Rss ({@code smaps_rollup}) minus the Rss of every guest RAM mapping
 * ({@code smaps}). One machine is built, started and closed first so that class loading and first-use
 * allocations are in the "before" reading; a full GC runs before each reading. The Linux guest when the image
 * is there, else the empty VM's hello guest.
 */
final class PerVmMemory {
    private PerVmMemory() {
    }

    /** The accounting: two readings around K live machines, and the process's thread counts. */
    record Figure(int vms, String guest, ProcFs.MemoryReading before, ProcFs.MemoryReading after,
                  int threadsBefore, int threadsAfter) {
        /** VMM RSS (everything but guest RAM) added per VM, KiB. */
        double perVmKiB() {
            return (after.vmmRssKiB() - before.vmmRssKiB()) / (double) vms;
        }

        /** Guest RAM resident per VM (what the loader wrote and the vCPU setup touched), KiB. */
        double guestPerVmKiB() {
            return (after.guestRssKiB() - before.guestRssKiB()) / (double) vms;
        }

        double threadsPerVm() {
            return (threadsAfter - threadsBefore) / (double) vms;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vms", vms);
            m.put("guest", guest);
            m.put("vmmRssBeforeKiB", before.vmmRssKiB());
            m.put("vmmRssAfterKiB", after.vmmRssKiB());
            m.put("guestRssAfterKiB", after.guestRssKiB());
            m.put("perVmKiB", perVmKiB());
            m.put("guestPerVmKiB", guestPerVmKiB());
            m.put("threadsBefore", threadsBefore);
            m.put("threadsAfter", threadsAfter);
            m.put("threadsPerVm", threadsPerVm());
            m.put("summary", String.format(java.util.Locale.ROOT,
                    "%d %s VMs in one JVM: %s of VMM memory each beyond their guest pages (%s guest RAM resident each), "
                            + "%.1f threads each", vms, guest, Reports.kib(perVmKiB()), Reports.kib(guestPerVmKiB()), threadsPerVm()));
            return m;
        }
    }

    /** Builds {@code vms} machines of {@code setup}'s guest; a failure is reported in the map, not thrown. */
    static Map<String, Object> measure(BenchSystem.Setup setup, int vms, Progress progress) {
        Map<String, Object> m = new LinkedHashMap<>();
        try (Hypervisor hypervisor = Hypervisor.open()) {
            boolean linux = setup.kernel() != null && Files.isRegularFile(setup.kernel());
            MachineSpec spec = spec(setup, linux);
            progress.note("per-VM memory: " + vms + " " + (linux ? "Linux" : "empty") + " VMs built and started paused in this JVM");
            closeAll(List.of(paused(hypervisor, spec))); // class loading and first-use allocations before the baseline
            long self = ProcessHandle.current().pid();
            System.gc();
            ProcFs.MemoryReading before = ProcFs.measure(self, mapping -> false);
            int threadsBefore = threads();
            List<Machine> machines = new ArrayList<>();
            try {
                List<long[]> guest = new ArrayList<>();
                for (int i = 0; i < vms; i++) {
                    Machine machine = paused(hypervisor, spec);
                    machines.add(machine);
                    guest.addAll(BenchTimings.guestRanges(machine));
                }
                System.gc();
                ProcFs.MemoryReading after = ProcFs.measure(self, ProcFs.overlapping(guest));
                Figure f = new Figure(vms, linux ? "Linux" : "empty", before, after, threadsBefore, threads());
                m.putAll(f.toMap());
            } finally {
                closeAll(machines);
            }
        } catch (Exception e) { // HypervisorException, a failed build: reported, not fatal
            m.put("error", String.valueOf(e.getMessage()));
            m.put("summary", "not measured: " + e.getMessage());
        }
        return m;
    }

    private static MachineSpec spec(BenchSystem.Setup setup, boolean linux) throws IOException {
        MachineSpec.Builder b = linux
                ? MachineSpec.builder().kernel(setup.kernel()).initrd(setup.initrd()).append(setup.appendArg())
                : MachineSpec.builder().kernel(JvmmSystems.helloBinary(setup)).format(MachineSpec.KernelFormat.RAW);
        return b.memoryBytes(setup.memoryBytes()).cpuProfile(setup.profile()).build();
    }

    /** Built and started paused: every vCPU set up and parked before its first KVM_RUN. */
    static Machine paused(Hypervisor hypervisor, MachineSpec spec) throws IOException {
        Machine machine = Machine.build(hypervisor, spec, OutputStream.nullOutputStream(), System.nanoTime());
        try {
            machine.startPaused();
            return machine;
        } catch (RuntimeException e) {
            machine.close();
            throw e;
        }
    }

    /** Stops and closes each machine. */
    static void closeAll(List<Machine> machines) throws InterruptedException {
        for (Machine machine : machines) {
            machine.stop(MachineExit.ok("per-VM memory measured"));
            machine.awaitExit(Duration.ofSeconds(10));
            machine.close();
        }
    }

    /** Threads of this process (/proc/self/task), JVM threads included. */
    private static int threads() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return (int) s.count();
        }
    }
}
