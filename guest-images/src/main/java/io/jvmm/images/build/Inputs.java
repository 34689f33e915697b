package io.jvmm.images.build;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything an image set is built from: the builder's version, the profile, jvmm's own input
 * files (config fragment, patches, init script, bundle config) and the Debian package versions.
 * Its hash names the cache directory, so a change to any input gives a new image set.
 *
 * @param builderVersion bumped whenever the build steps change in a way that changes the output
 * @param profile        profile id
 * @param files          input file name to sha256 (hex)
 * @param packages       Debian package name to installed version
 */
public record Inputs(String builderVersion, String profile, SortedMap<String, String> files,
                     SortedMap<String, String> packages) {

    public Inputs {
        files = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(files));
        packages = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(packages));
    }

    public static Inputs of(String builderVersion, String profile, Map<String, byte[]> fileContents,
                            Map<String, String> packages) {
        TreeMap<String, String> hashes = new TreeMap<>();
        fileContents.forEach((name, bytes) -> hashes.put(name, sha256(bytes)));
        return new Inputs(builderVersion, profile, hashes, new TreeMap<>(packages));
    }

    /**
     * sha256 of a canonical text: one line per input, sorted, so map order and platform do not
     * matter:
     * <pre>
     * builder 3
     * profile minimal
     * file kernel/minimal.config 5d41...
     * package busybox-static 1:1.35.0-4+deb12u1+b1
     * </pre>
     */
    public String hash() {
        StringBuilder canon = new StringBuilder();
        canon.append("builder ").append(builderVersion).append('\n');
        canon.append("profile ").append(profile).append('\n');
        files.forEach((n, h) -> canon.append("file ").append(n).append(' ').append(h).append('\n'));
        packages.forEach((n, v) -> canon.append("package ").append(n).append(' ').append(v).append('\n'));
        return sha256(canon.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Cache directory name: profile and the first 16 hex digits (64 bits) of the hash. */
    public String imageName() {
        return profile + "-" + hash().substring(0, 16);
    }

    public static String sha256(byte[] data) {
        return HexFormat.of().formatHex(digest().digest(data));
    }

    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
