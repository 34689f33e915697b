package io.jvmm.images.build;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputsAndManifestTest {
    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static Inputs inputs(String init, String busyboxVersion, String builder) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("init/init.sh", init.getBytes(StandardCharsets.UTF_8));
        files.put("kernel/minimal.config", "CONFIG_SMP=y\n".getBytes(StandardCharsets.UTF_8));
        return Inputs.of(builder, "minimal", files, Map.of("busybox-static", busyboxVersion, "e2fsprogs", "1.47.0-2+b2"));
    }

    @Test
    void hashIsStableAndCoversEveryInput() {
        Inputs base = inputs("#!/bin/sh\n", "1:1.35.0-4", "1");
        assertEquals(base.hash(), inputs("#!/bin/sh\n", "1:1.35.0-4", "1").hash());
        assertNotEquals(base.hash(), inputs("#!/bin/sh\necho\n", "1:1.35.0-4", "1").hash(), "init script");
        assertNotEquals(base.hash(), inputs("#!/bin/sh\n", "1:1.35.0-5", "1").hash(), "package version");
        assertNotEquals(base.hash(), inputs("#!/bin/sh\n", "1:1.35.0-4", "2").hash(), "builder version");
        assertTrue(base.imageName().matches("minimal-[0-9a-f]{16}"), base.imageName());
        assertEquals(base.hash().substring(0, 16), base.imageName().substring("minimal-".length()));
    }

    @Test
    void hashDoesNotDependOnMapOrder() {
        Map<String, byte[]> a = new LinkedHashMap<>();
        a.put("x", new byte[] {1});
        a.put("y", new byte[] {2});
        Map<String, byte[]> b = new LinkedHashMap<>();
        b.put("y", new byte[] {2});
        b.put("x", new byte[] {1});
        assertEquals(Inputs.of("1", "p", a, Map.of()).hash(), Inputs.of("1", "p", b, Map.of()).hash());
    }

    @Test
    void manifestRecordsArtifactDigests(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vmlinux"), "abc");
        Path bundle = Files.createDirectories(dir.resolve("bundle/rootfs/bin"));
        Files.writeString(bundle.resolve("busybox"), "bb");
        Files.createSymbolicLink(bundle.resolve("sh"), Path.of("busybox"));

        Manifest.Digest file = Manifest.digest(dir.resolve("vmlinux"));
        assertEquals(SHA256_ABC, file.sha256());
        assertEquals(3, file.size());
        Manifest.Digest tree = Manifest.digest(dir.resolve("bundle"));
        assertEquals(4, tree.entries(), "rootfs, rootfs/bin, busybox, sh");

        Files.writeString(bundle.resolve("busybox"), "bB");
        assertNotEquals(tree.sha256(), Manifest.digest(dir.resolve("bundle")).sha256(), "content change");

        Inputs in = inputs("#!/bin/sh\n", "1:1.35.0-4", "1");
        String json = Manifest.toJson(in, Instant.parse("2026-11-23T08:00:00Z"), Duration.ofSeconds(42),
                Map.of("vmlinux", file, "bundle", tree));
        var m = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        assertEquals(SHA256_ABC, m.get("artifacts").get("vmlinux").get("sha256").asText(), json);
        assertEquals(3, m.get("artifacts").get("vmlinux").get("size").asLong(), json);
        assertFalse(m.get("artifacts").get("vmlinux").has("entries"), "a file has no entries");
        assertEquals(4, m.get("artifacts").get("bundle").get("entries").asInt(), json);
        assertEquals(in.hash(), m.get("inputHash").asText(), json);
        assertEquals("1:1.35.0-4", m.get("packages").get("busybox-static").asText(), json);
        assertEquals(42, m.get("buildSeconds").asLong(), json);
        assertEquals(Inputs.sha256("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)), m.get("inputs").get("init/init.sh").asText());
        assertTrue(json.contains("\"buildSeconds\": 42"), "two-space JSON for people: " + json);
        assertEquals(Map.of("vmlinux", SHA256_ABC, "bundle", tree.sha256()), Manifest.artifactSha256(json));
    }

    @Test
    void aManifestThatIsNotJsonRecordsNoArtifacts() {
        assertEquals(Map.of(), Manifest.artifactSha256("{\"artifacts\": {\"vmlinux\": {\"sha256\": \"abc\"}}"));
        assertEquals(Map.of(), Manifest.artifactSha256("{\"artifacts\": {\"vmlinux\": {\"sha256\": \"zz\"}}}"));
    }
}
