package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportsTest {
    static BenchResult result() {
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("cpuModel", "Test CPU <&>");
        host.put("cpus", 2);
        host.put("memTotalKiB", 1048576L);
        host.put("kernel", "6.1.0 #1");
        host.put("kvm", "emulating");
        host.put("jdk", "OpenJDK 25");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("command", "echo \"a & b\" < /dev/null");
        List<Sample> vm = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Map<String, Double> ev = new LinkedHashMap<>();
            ev.put("build-start", 200.0 + i);
            ev.put("first-run", 210.0 + i);
            ev.put("first-output", 5000.0 + i);
            ev.put("init-ready", 90000.0 + i * 100);
            ev.put("guest-exit", 95000.0 + i * 100);
            ev.put("exit", 95100.0 + i * 100);
            vm.add(new Sample(i, false, ev, 80000.0, new Sample.Memory(60000L, 20000L, 90000L), 0));
        }
        vm.add(new Sample(0, true, Map.of("exit", 1.0), 1.0, null, 0));        // a warm-up: not in the summaries
        List<Sample> ctr = List.of(new Sample(1, false, Map.of("init-ready", 40.0, "exit", 50.0), 10.0,
                new Sample.Memory(null, null, 2000L), 0));
        return new BenchResult(host, settings, List.of(
                new BenchResult.SystemResult("jvmm", "jvmm, cold", "how", true, null, null, vm),
                new BenchResult.SystemResult("crun", "crun run", "how", false, null, null, ctr),
                new BenchResult.SystemResult("qemu", "QEMU microvm", "how", true, "not installed", null, List.of())),
                null, 1048576L);
    }

    @Test
    void jsonParsesAndHoldsSamplesAndSummaries() {
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(BenchJson.write(Reports.json(result())));
        assertEquals("Test CPU <&>", ((Map<?, ?>) j.get("host")).get("cpuModel"));
        List<?> systems = (List<?>) j.get("systems");
        assertEquals(3, systems.size());
        Map<?, ?> jvmm = (Map<?, ?>) systems.get(0);
        assertEquals(4, ((List<?>) jvmm.get("samples")).size());
        Map<?, ?> summary = (Map<?, ?>) jvmm.get("summary");
        Map<?, ?> ready = (Map<?, ?>) summary.get("readyMs");
        assertEquals(3L, ready.get("n"));
        assertEquals(90200.0, ((Number) ready.get("median")).doubleValue());
        Map<?, ?> per = (Map<?, ?>) ((Map<?, ?>) summary.get("memory")).get("perInstanceKiB");
        assertEquals(80000.0, ((Number) per.get("median")).doubleValue());
        assertEquals(13L, ((Map<?, ?>) summary.get("computedDensity")).get("instances"));   // 1048576 / 80000
        assertEquals("not installed", ((Map<?, ?>) systems.get(2)).get("unavailable"));
        assertNull(((Map<?, ?>) ((Map<?, ?>) systems.get(1)).get("summary")).get("bootTimerMs"));
    }

    @Test
    void htmlIsWellFormedWithAStackedBarChart() throws Exception {
        String html = HtmlReport.html(result());
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
        NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
        assertTrue(svgs.getLength() >= 1, "no SVG chart");
        NodeList rects = ((Element) svgs.item(0)).getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        // jvmm: 6 phases, crun: 2 phases, legend: 6 phases used.
        assertEquals(6 + 2 + 6, rects.getLength());
        assertTrue(html.contains("Test CPU &lt;&amp;&gt;"));
        assertNotNull(doc.getDocumentElement());
    }

    @Test
    void tableShowsEverySystemAndTheGoals() {
        String t = Reports.table(result());
        assertTrue(t.contains("jvmm "), t);
        assertTrue(t.contains("crun "), t);
        assertTrue(t.contains("not run: not installed"), t);
        assertTrue(t.contains("90.20 s [90.10 s .. 90.30 s]"), t);
        assertTrue(t.contains("jvmm cold to /init / QEMU microvm to /init: not measured"), t);
    }
}
