package io.jvmm.images.build;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jvmm.images.ImageSet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * manifest.json of an image set: what it was built from ({@link Inputs}) and the sha256 and size
 * of every artifact, written and read with Jackson.
 *
 * <pre>
 * {
 *   "name": "minimal-3f9683b969c7322b", "profile": "minimal", "builderVersion": "1",
 *   "inputHash": "3f96...", "builtAt": "2026-11-23T08:30:00Z", "buildSeconds": 412,
 *   "inputs":   { "kernel/minimal.config": "sha256", ... },
 *   "packages": { "busybox-static": "1:1.35.0-4+deb12u1+b1", ... },
 *   "artifacts": { "vmlinux": { "sha256": "...", "size": 123 }, ...,
 *                  "bundle": { "sha256": "(tree digest)", "size": 456, "entries": 40 } }
 * }
 * </pre>
 */
public final class Manifest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Two-space indented objects, {@code "key": value}: a manifest is read by people too. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private Manifest() {
    }

    /** Digest and size of one artifact; for a directory, a digest over its sorted listing. */
    public record Digest(String sha256, long size, int entries) { }

    public static String toJson(Inputs inputs, Instant builtAt, Duration buildTime, Map<String, Digest> artifacts) {
        ObjectNode j = JSON.createObjectNode();
        j.put("name", inputs.imageName());
        j.put("profile", inputs.profile());
        j.put("builderVersion", inputs.builderVersion());
        j.put("inputHash", inputs.hash());
        j.put("builtAt", builtAt.toString());
        j.put("buildSeconds", buildTime.toSeconds());
        ObjectNode in = j.putObject("inputs");
        inputs.files().forEach(in::put);
        ObjectNode packages = j.putObject("packages");
        inputs.packages().forEach(packages::put);
        ObjectNode out = j.putObject("artifacts");
        new TreeMap<>(artifacts).forEach((name, d) -> {
            ObjectNode a = out.putObject(name).put("sha256", d.sha256()).put("size", d.size());
            if (d.entries() > 0) {
                a.put("entries", d.entries());
            }
        });
        try {
            return JSON.writer(PRETTY).writeValueAsString(j) + "\n";
        } catch (JacksonException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    /**
     * sha256 of a regular file; for a directory, sha256 over lines "path type digest-or-target"
     * of everything below it, sorted, so the digest covers names, links and contents.
     */
    public static Digest digest(Path artifact) throws IOException {
        if (!Files.isDirectory(artifact, LinkOption.NOFOLLOW_LINKS)) {
            return new Digest(fileSha256(artifact), Files.size(artifact), 0);
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(artifact)) {
            all = walk.filter(p -> !p.equals(artifact)).sorted().toList();
        }
        StringBuilder listing = new StringBuilder();
        long size = 0;
        for (Path p : all) {
            String rel = artifact.relativize(p).toString();
            if (Files.isSymbolicLink(p)) {
                listing.append(rel).append(" l ").append(Files.readSymbolicLink(p)).append('\n');
            } else if (Files.isDirectory(p)) {
                listing.append(rel).append(" d\n");
            } else {
                listing.append(rel).append(" f ").append(fileSha256(p)).append('\n');
                size += Files.size(p);
            }
        }
        return new Digest(Inputs.sha256(listing.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                size, all.size());
    }

    /**
     * Artifact name → sha256 recorded in a manifest ({@code artifacts.NAME.sha256}); empty when the text is not
     * a manifest (not JSON, or no artifacts), so that every artifact then counts as modified.
     */
    public static Map<String, String> artifactSha256(String manifestJson) {
        Map<String, String> out = new TreeMap<>();
        JsonNode artifacts;
        try {
            artifacts = JSON.readTree(manifestJson).path("artifacts");
        } catch (JacksonException e) {
            return out;
        }
        for (var e : artifacts.properties()) {
            JsonNode sha = e.getValue().path("sha256");
            if (sha.isTextual() && SHA256.matcher(sha.asText()).matches()) {
                out.put(e.getKey(), sha.asText());
            }
        }
        return out;
    }

    /**
     * The artifacts of the image set in {@code dir} that no longer match its manifest.json (changed,
     * missing, or absent from the manifest), in {@link ImageSet#ARTIFACTS} order; empty when all match.
     * Reads every artifact (tens of MB for the minimal image).
     */
    public static List<String> modifiedArtifacts(Path dir) throws IOException {
        Map<String, String> recorded = artifactSha256(Files.readString(dir.resolve(ImageSet.MANIFEST)));
        List<String> modified = new ArrayList<>();
        for (String artifact : ImageSet.ARTIFACTS) {
            if (artifact.equals(ImageSet.MANIFEST)) {
                continue;
            }
            Path file = dir.resolve(artifact);
            String expected = recorded.get(artifact);
            if (expected == null || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    || !expected.equals(digest(file).sha256())) {
                modified.add(artifact);
            }
        }
        return modified;
    }

    public static String fileSha256(Path file) throws IOException {
        MessageDigest md = Inputs.digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
