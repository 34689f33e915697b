package io.jvmm.cli.bench;

import io.jvmm.cli.Main;
import io.jvmm.images.GuestImages;
import io.jvmm.images.Profile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jvmm bench --runs 1} of the empty VM and crun, end to end: the JSON has every field. */
@Tag("bench")
@Tag("kvm")
@Timeout(300)
class BenchIntegrationTest {
    @TempDir
    Path dir;

    private static void assumeKvm() {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: bench test skipped");
    }

    @Test
    void emptyVmAndCrunOneRunEach() throws Exception {
        assumeKvm();
        assumeTrue(GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).isPresent(),
                "no minimal guest image (its OCI bundle is what crun runs): bench test skipped");
        assumeTrue(Tools.which("crun") != null, "crun not installed: apt-get install crun (or run .ci/install-test-tools)");
        Path json = dir.resolve("bench.json");
        Path html = dir.resolve("bench.html");
        int status = Main.run("bench", "--systems", "empty,crun", "--runs", "1", "--warmup", "0", "--exit-path", "0",
                "--json", json.toString(), "--report", html.toString());
        assertEquals(0, status);
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));
        assertEquals("jvmm bench", j.get("tool"));
        Map<?, ?> host = (Map<?, ?>) j.get("host");
        for (String k : List.of("cpuModel", "cpus", "memTotalKiB", "kernel", "os", "kvm", "jdk", "tools")) {
            assertNotNull(host.get(k), "host." + k);
        }
        assertTrue(List.of("hardware", "emulating", "unknown").contains(host.get("kvm")));
        Map<?, ?> settings = (Map<?, ?>) j.get("settings");
        for (String k : List.of("commandLine", "systems", "runs", "kernelRuns", "warmup", "command", "memoryBytes", "kernelCmdline", "note")) {
            assertNotNull(settings.get(k), "settings." + k);
        }
        assertNotNull(j.get("goals"));
        // Per-VM memory (default --per-vm 4): 4 Linux VMs held paused in the bench's JVM.
        Map<?, ?> perVm = (Map<?, ?>) j.get("perVm");
        assertNull(perVm.get("error"), perVm.toString());
        assertEquals(4, ((Number) perVm.get("vms")).intValue());
        assertEquals("Linux", perVm.get("guest"));
        assertTrue(((Number) perVm.get("guestPerVmKiB")).doubleValue() > 1024, perVm.toString()); // kernel + initrd loaded
        assertTrue(((Number) perVm.get("threadsPerVm")).doubleValue() >= 2, perVm.toString());    // vcpu-0 and vmm-io at least
        assertTrue(perVm.get("perVmKiB") instanceof Number, perVm.toString());
        assertEquals(perVm.get("perVmKiB"), ((Map<?, ?>) j.get("goals")).get("perVmBeyondGuestKiB"));
        List<?> systems = (List<?>) j.get("systems");
        assertEquals(2, systems.size());

        Map<?, ?> empty = (Map<?, ?>) systems.get(0);
        assertEquals("empty", empty.get("id"));
        assertNull(empty.get("error"));
        Map<?, ?> sample = onlySample(empty);
        Map<?, ?> ev = (Map<?, ?>) sample.get("events");
        for (String e : List.of("build-start", "first-run", "first-output", "guest-exit", "exit")) {
            assertTrue(ev.get(e) instanceof Number n && n.doubleValue() > 0, "empty: event " + e + " in " + ev);
        }
        assertTrue(((Number) ev.get("build-start")).doubleValue() < ((Number) ev.get("first-run")).doubleValue(), ev.toString());
        assertTrue(((Number) ev.get("guest-exit")).doubleValue() < ((Number) ev.get("exit")).doubleValue(), ev.toString());
        Map<?, ?> mem = (Map<?, ?>) sample.get("memory");
        assertTrue(((Number) mem.get("vmmRssKiB")).longValue() > 1000, mem.toString());     // a JVM: tens of MiB
        assertTrue(((Number) mem.get("guestTouchedKiB")).longValue() >= 4, mem.toString());  // the code page at least
        assertTrue(((Number) mem.get("guestTouchedKiB")).longValue() < 1024, mem.toString()); // guest RAM is not pre-touched
        assertSummary(empty);

        Map<?, ?> crun = (Map<?, ?>) systems.get(1);
        assertEquals("crun", crun.get("id"));
        assertNull(crun.get("unavailable"), "crun is installed and the bundle exists");
        assertNull(crun.get("error"));
        Map<?, ?> cs = onlySample(crun);
        Map<?, ?> cev = (Map<?, ?>) cs.get("events");
        assertTrue(((Number) cev.get("init-ready")).doubleValue() < ((Number) cev.get("exit")).doubleValue(), cev.toString());
        assertTrue(((Number) cs.get("readyMs")).doubleValue() > 0);
        assertTrue(cs.containsKey("cpuMs"));
        assertTrue(((Map<?, ?>) cs.get("memory")).containsKey("cgroupPeakKiB"));
        assertSummary(crun);
        assertTrue(Files.readString(html).contains("<svg"));
    }

    private static Map<?, ?> onlySample(Map<?, ?> system) {
        List<?> samples = (List<?>) system.get("samples");
        assertEquals(1, samples.size(), system.toString());
        Map<?, ?> s = (Map<?, ?>) samples.get(0);
        for (String k : List.of("run", "warmup", "status", "events", "phases", "readyMs", "totalMs", "cpuMs", "memory")) {
            assertTrue(s.containsKey(k), "sample field " + k);
        }
        assertEquals(0L, s.get("status"));
        assertTrue(((List<?>) s.get("phases")).size() >= 2);
        return s;
    }

    private static void assertSummary(Map<?, ?> system) {
        Map<?, ?> sum = (Map<?, ?>) system.get("summary");
        for (String k : List.of("phasesMs", "readyMs", "totalMs", "bootTimerMs", "cpuMs", "memory", "computedDensity")) {
            assertTrue(sum.containsKey(k), "summary field " + k);
        }
        assertEquals(1L, ((Map<?, ?>) sum.get("totalMs")).get("n"));
        assertNotNull(((Map<?, ?>) sum.get("computedDensity")).get("instances"));
    }
}
