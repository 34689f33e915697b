package io.jvmm.images.build;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * manifest.json of an image set: what it was built from ({@link Inputs}) and the sha256 and size
 * of every artifact. Written with a tiny JSON writer (the module depends on the JDK only).
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
    private Manifest() {
    }

    /** Digest and size of one artifact; for a directory, a digest over its sorted listing. */
    public record Digest(String sha256, long size, int entries) { }

    public static String toJson(Inputs inputs, Instant builtAt, Duration buildTime, Map<String, Digest> artifacts) {
        StringBuilder j = new StringBuilder(2048);
        j.append("{\n");
        field(j, 1, "name", inputs.imageName()).append(",\n");
        field(j, 1, "profile", inputs.profile()).append(",\n");
        field(j, 1, "builderVersion", inputs.builderVersion()).append(",\n");
        field(j, 1, "inputHash", inputs.hash()).append(",\n");
        field(j, 1, "builtAt", builtAt.toString()).append(",\n");
        indent(j, 1).append(quote("buildSeconds")).append(": ").append(buildTime.toSeconds()).append(",\n");
        object(j, "inputs", inputs.files()).append(",\n");
        object(j, "packages", inputs.packages()).append(",\n");
        indent(j, 1).append(quote("artifacts")).append(": {\n");
        List<Map.Entry<String, Digest>> entries = List.copyOf(new TreeMap<>(artifacts).entrySet());
        for (int i = 0; i < entries.size(); i++) {
            Digest d = entries.get(i).getValue();
            indent(j, 2).append(quote(entries.get(i).getKey())).append(": { ")
                    .append(quote("sha256")).append(": ").append(quote(d.sha256())).append(", ")
                    .append(quote("size")).append(": ").append(d.size());
            if (d.entries() > 0) {
                j.append(", ").append(quote("entries")).append(": ").append(d.entries());
            }
            j.append(" }").append(i + 1 < entries.size() ? ",\n" : "\n");
        }
        indent(j, 1).append("}\n}\n");
        return j.toString();
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

    /** One artifact line as {@link #toJson} writes it: {@code "name": { "sha256": "hex", ...}}. */
    private static final Pattern ARTIFACT_LINE =
            Pattern.compile("(?m)^\\s*\"([^\"]+)\": \\{ \"sha256\": \"([0-9a-f]{64})\"");

    /** Artifact name → sha256 recorded in a manifest written by {@link #toJson}; empty if none is found. */
    public static Map<String, String> artifactSha256(String manifestJson) {
        Map<String, String> out = new TreeMap<>();
        Matcher m = ARTIFACT_LINE.matcher(manifestJson);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
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

    private static StringBuilder object(StringBuilder j, String name, Map<String, String> values) {
        indent(j, 1).append(quote(name)).append(": {");
        int i = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            j.append(i++ == 0 ? "\n" : ",\n");
            field(j, 2, e.getKey(), e.getValue());
        }
        return j.append(values.isEmpty() ? "}" : "\n" + "  }");
    }

    private static StringBuilder field(StringBuilder j, int depth, String name, String value) {
        return indent(j, depth).append(quote(name)).append(": ").append(quote(value));
    }

    private static StringBuilder indent(StringBuilder j, int depth) {
        return j.append("  ".repeat(depth));
    }

    /** JSON string literal (RFC 8259 section 7). */
    static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
