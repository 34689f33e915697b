package io.jvmm.images.build;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BusyboxTreeTest {
    private static final byte[] FAKE_BUSYBOX = "ELF...".getBytes(StandardCharsets.US_ASCII);

    @Test
    void initramfsHasInitBusyboxAndConsole() throws Exception {
        GuestTree t = BusyboxTree.create(FAKE_BUSYBOX, Resources.text(Resources.INIT), List.of());
        ByteArrayOutputStream cpio = new ByteArrayOutputStream();
        t.writeCpio(cpio);
        List<String> names = CpioWriterTest.read(cpio.toByteArray()).stream().map(CpioWriterTest.Entry::name).toList();
        assertTrue(names.containsAll(List.of("init", "bin/busybox", "bin/sh", "bin/devmem", "bin/setsid", "bin/cttyhack",
                "bin/reboot", "dev/console", "proc", "sys")), names.toString());
        assertTrue(names.indexOf("bin") < names.indexOf("bin/busybox"), "parents first");
    }

    @Test
    void moduleLinesReplaceThePlaceholder() {
        String init = BusyboxTree.initScript(Resources.text(Resources.INIT),
                List.of("insmod /lib/modules/virtio.ko", "insmod /lib/modules/virtio_mmio.ko"));
        assertTrue(init.contains("\tinsmod /lib/modules/virtio.ko\n\tinsmod /lib/modules/virtio_mmio.ko\n"), init);
        assertTrue(!init.contains("@MODULES@"));
        assertTrue(init.indexOf("insmod") < init.indexOf("devmem"), "modules load before boot is signalled");
        assertThrows(IllegalStateException.class, () -> BusyboxTree.initScript("#!/bin/sh\n", List.of()));
    }

    @Test
    void payloadDigestMatches() {
        GuestTree t = BusyboxTree.withPayload(BusyboxTree.create(FAKE_BUSYBOX, Resources.text(Resources.INIT), List.of()));
        byte[] data = ((GuestTree.File) t.nodes().get("/payload/data.bin")).contents();
        String sum = new String(((GuestTree.File) t.nodes().get("/payload/data.sha256")).contents(), StandardCharsets.US_ASCII);
        assertEquals(65536, data.length);
        assertEquals(Inputs.sha256(data) + "  /payload/data.bin\n", sum);
    }

    @Test
    void writesTreeWithPermissionsAndLinks(@TempDir Path dir) throws Exception {
        GuestTree t = BusyboxTree.create(FAKE_BUSYBOX, Resources.text(Resources.INIT), List.of());
        t.writeTo(dir);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("init"))));
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(dir.resolve("bin/sh")));
        assertTrue(!Files.exists(dir.resolve("dev/console")), "device nodes only in the cpio");
        assertEquals(0, Files.getLastModifiedTime(dir.resolve("bin/busybox")).toMillis());
        assertThrows(IllegalArgumentException.class, () -> t.file("/nope/x", 0644, new byte[0]));
    }

    /** The container path of /init runs on the host's busybox: marker line, then JVMM_CMD. */
    @Test
    void initPrintsMarkerAndRunsCommandInContainerMode(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(BusyboxTree.HOST_BUSYBOX)),
                "busybox not installed: apt-get install busybox-static (or run .ci/install-test-tools)");
        Path init = dir.resolve("init");
        Files.writeString(init, BusyboxTree.initScript(Resources.text(Resources.INIT), List.of()));
        ProcessBuilder pb = new ProcessBuilder(BusyboxTree.HOST_BUSYBOX, "sh", init.toString()).redirectErrorStream(true);
        pb.environment().put("JVMM_CONTAINER", "1");
        pb.environment().put("JVMM_CMD", "echo \"two words\"; echo done");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals(BusyboxTree.MARKER + "\ntwo words\ndone\n", out);
    }
}
