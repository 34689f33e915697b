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

/**
 * {@code jvmm bench --density 2} over jvmm clones and crun, plus one in-process restore, end to end: the
 * benchmark boots the default guest once to snapshot it (a real Linux boot: tag boot), restores it, and the
 * JSON has every field of the measured density.
 */
@Tag("bench")
@Tag("boot")
@Tag("kvm")
@Timeout(1800)
class BenchDensityIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void densityOfTwoClonesAndTwoContainers() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: bench test skipped");
        assumeTrue(GuestImages.current(GuestImages.defaultCacheRoot(), Profile.MINIMAL).isPresent(),
                "no minimal guest image (jvmm images build): bench test skipped");
        assumeTrue(Tools.which("crun") != null, "crun not installed: run .ci/install-test-tools (apt-get install -y crun)");
        Path json = dir.resolve("bench.json");
        Path html = dir.resolve("bench.html");
        int status = Main.run("bench", "--systems", "jvmm-restore-warm", "--runs", "1", "--warmup", "0", "--exit-path", "0",
                "--density", "2", "--density-systems", "jvmm-clones,crun", "--density-idle", "2",
                "--json", json.toString(), "--report", html.toString());
        assertEquals(0, status);
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));

        Map<?, ?> settings = (Map<?, ?>) j.get("settings");
        Map<?, ?> snap = (Map<?, ?>) settings.get("snapshot");
        assertTrue(String.valueOf(snap.get("source")).startsWith("made by this run"), snap.toString());
        assertTrue(((Number) snap.get("memoryFileBytes")).longValue() > 0, snap.toString());
        assertTrue(((Number) snap.get("bootAndSnapshotMs")).doubleValue() > 0, snap.toString());
        assertTrue(String.valueOf(settings.get("qemuRestore")).startsWith("not run: "), settings.toString());
        Map<?, ?> ds = (Map<?, ?>) settings.get("density");
        assertEquals(2L, ds.get("instances"));

        Map<?, ?> warm = (Map<?, ?>) ((List<?>) j.get("systems")).get(0);
        assertEquals("jvmm-restore-warm", warm.get("id"));
        assertNull(warm.get("error"));
        Map<?, ?> sample = (Map<?, ?>) ((List<?>) warm.get("samples")).get(0);
        assertEquals(0L, sample.get("status"));
        Map<?, ?> ev = (Map<?, ?>) sample.get("events");
        double firstRun = ((Number) ev.get("first-run")).doubleValue();
        double reply = ((Number) ev.get("reply")).doubleValue();
        assertTrue(firstRun > 0 && firstRun < reply && reply < ((Number) ev.get("exit")).doubleValue(), ev.toString());
        assertEquals(reply, ((Number) sample.get("replyMs")).doubleValue());
        assertNotNull(((Map<?, ?>) warm.get("summary")).get("replyMs"));

        List<?> density = (List<?>) j.get("density");
        assertEquals(2, density.size());
        Map<?, ?> clones = (Map<?, ?>) density.get(0);
        Map<?, ?> crun = (Map<?, ?>) density.get(1);
        assertEquals("jvmm-clones", clones.get("id"));
        assertEquals("crun", crun.get("id"));
        for (Map<?, ?> d : List.of(clones, crun)) {
            String id = String.valueOf(d.get("id"));
            assertNull(d.get("unavailable"), id);
            assertNull(d.get("error"), id);
            assertEquals(2L, d.get("instances"), id);
            assertNotNull(d.get("title"), id);
            assertNotNull(d.get("method"), id);
            assertTrue(((Number) d.get("idleSeconds")).doubleValue() >= 2, d.toString());
            double all = ((Number) d.get("allRepliedMs")).doubleValue();
            List<?> replies = (List<?>) d.get("repliesMs");
            assertEquals(2, replies.size(), d.toString());
            for (Object r : replies) {
                assertTrue(((Number) r).doubleValue() > 0 && ((Number) r).doubleValue() <= all + 50, d.toString());
            }
            assertTrue(d.get("retypes") instanceof Number, d.toString());
            long before = ((Number) d.get("memAvailableBeforeKiB")).longValue();
            long after = ((Number) d.get("memAvailableAfterKiB")).longValue();
            assertTrue(before > 0 && after > 0, d.toString());
            // The host is shared: MemAvailable moves with other work too, so only its arithmetic is checked.
            assertEquals(before - after, ((Number) d.get("hostMemoryKiB")).longValue(), d.toString());
            assertEquals((before - after) / 2.0, ((Number) d.get("perInstanceKiB")).doubleValue(), 0.001, d.toString());
            long peaks = ((Number) d.get("cgroupPeakSumKiB")).longValue();
            assertEquals(peaks / 2.0, ((Number) d.get("cgroupPeakPerInstanceKiB")).doubleValue(), 0.001, d.toString());
            assertTrue(((Number) d.get("idleCpuMs")).longValue() >= 0, d.toString());
            assertNotNull(d.get("idleCpuPercentPerInstance"), id);
            assertTrue(d.containsKey("instancesPerGiB"), id);
            assertEquals(1024.0 * 1024.0 / (peaks / 2.0), ((Number) d.get("instancesPerGiBByCgroupPeaks")).doubleValue(), 0.002, id); // JSON: 3 decimals
        }
        // One JVM hosts both clones: its cgroup holds at least a JVM's tens of MiB.
        assertTrue(((Number) clones.get("cgroupPeakSumKiB")).longValue() > 20 * 1024, clones.toString());
        long guestRss = ((Number) clones.get("guestRssKiB")).longValue();
        long written = ((Number) clones.get("guestWrittenKiB")).longValue();
        assertTrue(written > 0 && written < guestRss, clones.toString());   // each guest wrote some pages, read more
        assertEquals(written / 2.0, ((Number) clones.get("guestWrittenPerInstanceKiB")).doubleValue(), 0.001);
        assertTrue(((Number) clones.get("vmmRssKiB")).longValue() > 20 * 1024, clones.toString());
        // An idle guest's timer tick runs in KVM's emulator on emulating hosts: some CPU, measured, not zero.
        assertTrue(((Number) clones.get("idleCpuMs")).longValue() > 0, clones.toString());
        assertTrue(((Number) crun.get("cgroupPeakSumKiB")).longValue() > 0, crun.toString());
        assertNull(crun.get("guestRssKiB"));
        assertNull(crun.get("vmmRssKiB"));

        Map<?, ?> goals = (Map<?, ?>) j.get("goals");
        for (String k : List.of("restoreWarmReplyOverCrunReady", "clonesPerInstanceKiB", "clonesWrittenPerInstanceKiB",
                "clonesPerInstanceBeyondWrittenKiB", "clonesPerGiBOverCrunPerGiB", "idleCpuPercentPerVm",
                "clonesCgroupPeakPerInstanceKiB", "clonesCgroupPeakBeyondWrittenKiB", "clonesPerGiBOverCrunPerGiBByCgroupPeaks")) {
            assertTrue(goals.containsKey(k), "goal " + k);
        }
        assertEquals(2L, goals.get("clonesInstances"));
        assertNotNull(goals.get("idleCpuPercentPerVm"));
        assertEquals(((Number) clones.get("cgroupPeakPerInstanceKiB")).doubleValue(),
                ((Number) goals.get("clonesCgroupPeakPerInstanceKiB")).doubleValue(), 0.002);
        assertEquals(((Number) clones.get("instancesPerGiBByCgroupPeaks")).doubleValue()
                        / ((Number) crun.get("instancesPerGiBByCgroupPeaks")).doubleValue(),
                ((Number) goals.get("clonesPerGiBOverCrunPerGiBByCgroupPeaks")).doubleValue(), 0.002);
        String page = Files.readString(html);
        assertTrue(page.contains("Idle CPU per instance") && page.contains("Memory per instance"), "density charts");
    }
}
