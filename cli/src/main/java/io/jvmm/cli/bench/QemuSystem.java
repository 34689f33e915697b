package io.jvmm.cli.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's microvm machine booting the same kernel, initramfs and command line as jvmm. QEMU has no jvmm
 * boot-timer device, so both VMMs are compared on the first output line of /init ({@value
 * ConsoleMarkers#READY_LINE}) on the serial console. The guest powers off through the keyboard
 * controller reset ({@code reboot=k}); microvm has no i8042 of its own, so one is added, and
 * {@code -no-reboot} turns the reset into QEMU's exit, as the reset ends jvmm.
 *
 * <p>On emulating KVM hosts QEMU needs a CPU model without the features its emulator lacks: qemu64 minus
 * pni, cx16, lahf-lm and svm, plus xsaveerptr (without it an AMD-vendor guest kernel runs the
 * FXSAVE-leak workaround's {@code fnclex}, which KVM's emulator does not implement). The guest kernel
 * gets the same emulating-host words as under jvmm.
 */
final class QemuSystem implements BenchSystem {
    static final String EMULATING_HOST_CPU = "qemu64,-pni,-cx16,-lahf-lm,-svm,+xsaveerptr";

    private final BenchSystem.Setup setup;
    private final Path binary = Tools.which("qemu-system-x86_64");
    private final String cpu;

    QemuSystem(BenchSystem.Setup setup, String cpuModel) {
        this.setup = setup;
        this.cpu = cpuModel != null ? cpuModel : setup.profile().cmdlineAdditions().isEmpty() ? "host" : EMULATING_HOST_CPU;
    }

    @Override
    public String id() {
        return "qemu";
    }

    @Override
    public String title() {
        return "QEMU microvm";
    }

    @Override
    public String method() {
        return "qemu-system-x86_64 -M microvm -cpu " + cpu + " with the same kernel, initramfs, RAM and command line; "
                + "ready = the '" + ConsoleMarkers.READY_LINE + "' line on its serial console, guest exit = the kernel's "
                + "'reboot: Restarting system' line; memory from its smaps "
                + "(guest RAM = the anonymous mapping of the RAM size) polled every 200 ms, largest reading kept";
    }

    @Override
    public boolean bootsKernel() {
        return true;
    }

    @Override
    public String unavailable() {
        return binary == null ? "qemu-system-x86_64 is not installed (Debian: apt-get install -y qemu-system-x86)" : null;
    }

    List<String> command() {
        return new ArrayList<>(List.of(binary.toString(), "-M", "microvm", "-enable-kvm", "-cpu", cpu,
                "-m", (setup.memoryBytes() >> 20) + "M", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
                "-serial", "stdio", "-no-reboot", "-device", "i8042",
                "-kernel", setup.kernel().toString(), "-initrd", setup.initrd().toString(), "-append", setup.cmdline()));
    }

    @Override
    public Sample run(int index, boolean warmup, Progress progress) throws Exception {
        ChildProcess.Result r = ChildProcess.run(command(), JvmmSystems.cgroupName(id(), index),
                ProcFs.ramSized(setup.memoryBytes()), setup.timeoutSeconds(), progress);
        Map<String, Double> events = new LinkedHashMap<>();
        if (r.console().firstByteNanos() >= 0) {
            events.put("first-output", r.ms(r.console().firstByteNanos()));
        }
        if (r.console().readyNanos() >= 0) {
            events.put("init-ready", r.ms(r.console().readyNanos()));
        }
        if (r.console().poweroffNanos() >= 0) {
            events.put("guest-exit", r.ms(r.console().poweroffNanos()));
        }
        events.put("exit", r.ms(r.exitNanos()));
        if (r.status() != 0) {
            progress.note("qemu ended with status " + r.status() + (r.timedOut() ? " (timeout)" : "") + ": "
                    + r.stderrTail() + " / last console line: " + r.console().lastLine());
        }
        ProcFs.MemoryReading m = r.peakReading();
        return new Sample(index, warmup, events, (double) r.cpuMs(),
                new Sample.Memory(m == null ? null : m.vmmRssKiB(), m == null ? null : m.guestRssKiB(), r.cgroupPeakKiB()),
                r.status());
    }
}
