package io.jvmm.cli.bench;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.machine.Hypervisor;
import io.jvmm.machine.Machine;
import io.jvmm.machine.RestorableSnapshot;
import io.jvmm.machine.snapshot.RestoreOptions;
import io.jvmm.machine.snapshot.SnapshotFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * jvmm resuming the benchmark's snapshot (a booted guest at its shell prompt) instead of booting: in a new
 * {@code jvmm run --restore} process per run, and inside the benchmark's JVM. Both are timed to the guest's
 * answer to a typed command ({@link ConsoleMarkers#TYPED_COMMAND}), so the guest has really run: its shell
 * read the line, evaluated it and wrote the reply.
 */
final class RestoreSystems {
    /** What ends a restored guest: its kernel resets (reboot=k), which jvmm sees as the guest's exit. */
    static final String STOP_COMMAND = "reboot -f";

    private RestoreSystems() {
    }

    /** Types {@code text} into a machine's console as fast as the guest's UART takes it; false on timeout. */
    static boolean type(Machine machine, String text, long deadlineNanos) throws InterruptedException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int off = 0;
        while (off < b.length) {
            off += machine.serial().offerInput(b, off, b.length - off);
            if (off < b.length) {
                if (System.nanoTime() - deadlineNanos > 0 || machine.state() == io.jvmm.core.lifecycle.MachineState.STOPPED) {
                    return false;
                }
                Thread.sleep(1);
            }
        }
        return true;
    }

    /**
     * Whether to type the command again: no answer and the guest quiet for {@link LiveChild#RETYPE_AFTER_QUIET_NANOS}
     * while its vCPUs were halted ({@link QuietClock}: waiting for a host CPU, running or blocked does not count). A guest restored
     * from a snapshot taken before its shell was up can lose what was typed before the shell read its terminal.
     * Resets the quiet time when it says yes.
     */
    static boolean retypeDue(BenchTimings t, QuietClock quiet) {
        return t.replyNanos() < 0 && quiet.quietNanos(t.lastOutputNanos(), System.nanoTime()) > LiveChild.RETYPE_AFTER_QUIET_NANOS
                && t.markRetyped();
    }

    /** A new {@code jvmm run --restore DIR} process per run: JVM start, restore, the guest's reply, reboot, exit. */
    static final class Cold implements BenchSystem {
        private final BenchSystem.Setup setup;
        private final GuestSnapshot snapshot;

        Cold(BenchSystem.Setup setup, GuestSnapshot snapshot) {
            this.setup = setup;
            this.snapshot = snapshot;
        }

        @Override
        public String id() {
            return "jvmm-restore";
        }

        @Override
        public String title() {
            return "jvmm restore, new process";
        }

        @Override
        public String method() {
            return "a new `jvmm run --restore DIR` process per run (JVM options as ./jvmm) resumes the benchmark's snapshot of "
                    + "the default guest at its shell prompt; `" + ConsoleMarkers.TYPED_COMMAND + "` is typed into its stdin "
                    + "at once and 'reply' is the guest's '" + ConsoleMarkers.REPLY_LINE + "' line as the child saw it "
                    + "(--timings-json); then `" + STOP_COMMAND + "` ends the guest; memory read by the child at the end";
        }

        @Override
        public boolean bootsKernel() {
            return false;
        }

        @Override
        public Sample run(int index, boolean warmup, Progress progress) throws Exception {
            Path dir = snapshot.dir(progress);
            Path timings = setup.workDir().resolve(id() + "-timings-" + index + (warmup ? "w" : "") + ".json");
            Files.deleteIfExists(timings);
            List<String> cmd = JvmmSystems.restoreCommand(setup.javaCommand());
            cmd.addAll(List.of("run", "--restore", dir.toString(), "--timings-json", timings.toString(),
                    "--timeout", Long.toString(setup.timeoutSeconds())));
            long cpuBefore = ProcFs.childrenCpuMs();
            Map<String, Double> events = new LinkedHashMap<>();
            Long vmm = null;
            Long guest = null;
            int status;
            Long peak;
            try (LiveChild c = LiveChild.start(cmd, JvmmSystems.cgroupName(id(), index), null)) {
                c.type(ConsoleMarkers.TYPED_COMMAND);
                long reply = c.awaitReply(c.startNanos() + TimeUnit.SECONDS.toNanos(setup.timeoutSeconds()));
                if (c.retypes() > 0) {
                    progress.note(id() + ": the guest was quiet without answering: typed the command " + c.retypes() + " more time(s)");
                }
                if (reply >= 0) {
                    c.type(STOP_COMMAND);
                } else {
                    progress.note(id() + ": no reply from the restored guest; last line: " + c.console().lastLine()
                            + "; stderr: " + c.stderrTail());
                }
                status = c.awaitExit(reply >= 0 ? 120 : 1);
                long exit = System.nanoTime();
                peak = c.cgroupPeakKiB();
                if (Files.exists(timings)) {
                    Map<String, Object> t = BenchJson.parseObject(Files.readString(timings));
                    if (t.get("events") instanceof Map<?, ?> ev) {
                        for (var e : ev.entrySet()) {
                            events.put(String.valueOf(e.getKey()), c.epochMs(((Number) e.getValue()).longValue()));
                        }
                    }
                    if (t.get("memory") instanceof Map<?, ?> mem) {
                        vmm = ((Number) mem.get("vmmRssKiB")).longValue();
                        guest = ((Number) mem.get("guestRssKiB")).longValue();
                    }
                }
                if (!events.containsKey("reply") && reply >= 0) {
                    events.put("reply", c.ms(reply));   // the child's own stamp is missing: the parent's, a pipe later
                }
                events.put("exit", c.ms(exit));
                if (reply < 0 && status == 0) {
                    status = -1;
                }
                if (status != 0) {
                    progress.note(id() + ": ended with status " + status + ": " + c.stderrTail());
                }
            }
            return new Sample(index, warmup, events, (double) (ProcFs.childrenCpuMs() - cpuBefore),
                    new Sample.Memory(vmm, guest, peak), status);
        }
    }

    /** {@code Machine.restore} inside the benchmark's JVM, /dev/kvm kept open: what a VMM service pays per resume. */
    static final class Warm implements BenchSystem {
        private final BenchSystem.Setup setup;
        private final GuestSnapshot snapshot;
        private Hypervisor hypervisor;
        /**
         * state.json and its device records read and checked once, on the first run: a VMM service restoring one
         * snapshot again and again keeps it.
         */
        private RestorableSnapshot snapshotRead;

        Warm(BenchSystem.Setup setup, GuestSnapshot snapshot) {
            this.setup = setup;
            this.snapshot = snapshot;
        }

        @Override
        public String id() {
            return "jvmm-restore-warm";
        }

        @Override
        public String title() {
            return "jvmm restore, in process";
        }

        @Override
        public String method() {
            return "Machine.restore of the benchmark's snapshot → start inside the benchmark's JVM, /dev/kvm kept open, "
                    + "state.json and its device records read and checked once before the first run (as a VMM service restoring one snapshot "
                    + "again and again would; each run checks the memory file's size again); "
                    + "'VM build' ends when every vCPU's state is restored and they enter the guest; `"
                    + ConsoleMarkers.TYPED_COMMAND + "` is offered to the guest's UART at once and 'reply' is the '"
                    + ConsoleMarkers.REPLY_LINE + "' line on its console; then the machine is stopped and closed "
                    + "(process exit = Machine.close() returned); guest memory from this process's smaps at the stop";
        }

        @Override
        public boolean bootsKernel() {
            return false;
        }

        @Override
        public Sample run(int index, boolean warmup, Progress progress) throws Exception {
            Path dir = snapshot.dir(progress);
            if (hypervisor == null) {
                hypervisor = Hypervisor.open();
            }
            if (snapshotRead == null) {
                snapshotRead = RestorableSnapshot.read(SnapshotFiles.in(dir));
            }
            BenchTimings timings = BenchTimings.collecting();
            long cpu0 = ProcFs.selfCpuMs();
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(setup.timeoutSeconds());
            Machine machine = Machine.restore(hypervisor, snapshotRead, RestoreOptions.NONE,
                    OutputStream.nullOutputStream(), t0);
            MachineExit exit;
            boolean replied;
            try {
                machine.addListener(timings);
                machine.start();
                replied = type(machine, ConsoleMarkers.TYPED_COMMAND + "\n", deadline);
                int retypes = 0;
                QuietClock quiet = QuietClock.ofThreads(machine::vcpuThreadIds);
                while (replied && timings.replyNanos() < 0 && machine.state() != io.jvmm.core.lifecycle.MachineState.STOPPED
                        && System.nanoTime() - deadline < 0) {
                    Thread.sleep(1);
                    if (retypeDue(timings, quiet)) {
                        retypes++;
                        type(machine, ConsoleMarkers.TYPED_COMMAND + "\n", deadline);
                    }
                }
                if (retypes > 0) {
                    progress.note(id() + ": the guest was quiet without answering: typed the command " + retypes + " more time(s)");
                }
                replied = timings.replyNanos() >= 0;
                if (!replied) {
                    progress.note(id() + ": no reply from the restored guest; last line: " + timings.lastConsoleLine());
                }
                machine.stop(MachineExit.ok("benchmark: guest replied"));
                exit = machine.awaitExit(Duration.ofSeconds(30));
            } finally {
                machine.close();
            }
            Map<String, Double> events = timings.eventsMsSince(t0, System.nanoTime());
            ProcFs.MemoryReading mem = timings.memory();
            int status = exit == null ? -1 : !replied ? -1 : exit.status();
            return new Sample(index, warmup, events, (double) (ProcFs.selfCpuMs() - cpu0),
                    new Sample.Memory(null, mem == null ? null : mem.guestRssKiB(), null), status);
        }

        @Override
        public void close() {
            if (hypervisor != null) {
                hypervisor.close();
                hypervisor = null;
            }
        }
    }

    /** Why QEMU's own snapshot restore is not among the systems, for the report. */
    static String qemuRestoreNotRun() {
        String why = "QEMU's own snapshot restore (-incoming from a saved state, or -loadvm) is not measured by this version"
                + " of the benchmark: it needs a guest booted under QEMU first (over two minutes on an emulating host)";
        return Tools.which("qemu-system-x86_64") == null
                ? why + ", and qemu-system-x86_64 is not installed here (Debian: apt-get install -y qemu-system-x86)" : why;
    }
}
