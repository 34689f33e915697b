package io.jvmm.images.build;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The guest's file tree (busybox, /init, payload, modules) held in memory, so the same tree can be
 * written as an initramfs cpio, a staging directory for {@code mke2fs -d} and an OCI rootfs.
 * Paths are absolute ("/bin/busybox"); parents must be added before children.
 */
public final class GuestTree {
    /** One node of the tree. */
    public sealed interface Node permits Dir, File, Link, CharDev { }

    public record Dir(int perm) implements Node { }

    public record File(int perm, byte[] contents) implements Node { }

    public record Link(String target) implements Node { }

    /** Device node; only the cpio form carries these (directories would need mknod as root). */
    public record CharDev(int perm, int major, int minor) implements Node { }

    private final TreeMap<String, Node> nodes = new TreeMap<>();

    public GuestTree dir(String path, int perm) {
        return put(path, new Dir(perm));
    }

    public GuestTree file(String path, int perm, byte[] contents) {
        return put(path, new File(perm, contents));
    }

    public GuestTree symlink(String path, String target) {
        return put(path, new Link(target));
    }

    public GuestTree charDevice(String path, int perm, int major, int minor) {
        return put(path, new CharDev(perm, major, minor));
    }

    private GuestTree put(String path, Node node) {
        if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/") || path.contains("//")
                || path.contains("/../") || path.contains("/./")) {
            throw new IllegalArgumentException("bad guest path '" + path + "'");
        }
        String parent = path.substring(0, path.lastIndexOf('/'));
        if (!parent.isEmpty() && !(nodes.get(parent) instanceof Dir)) {
            throw new IllegalArgumentException("parent directory of " + path + " not in the tree");
        }
        if (nodes.putIfAbsent(path, node) != null) {
            throw new IllegalArgumentException("duplicate guest path " + path);
        }
        return this;
    }

    /** A copy of this tree; builders add profile-specific files to copies. */
    public GuestTree copy() {
        GuestTree t = new GuestTree();
        t.nodes.putAll(nodes);
        return t;
    }

    public Map<String, Node> nodes() {
        return java.util.Collections.unmodifiableSortedMap(nodes);
    }

    /**
     * Writes the tree as a newc archive; TreeMap order puts every parent before its children,
     * which the kernel's unpacker needs.
     */
    public void writeCpio(OutputStream out) throws IOException {
        CpioWriter cpio = new CpioWriter(out, 0);
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            String p = e.getKey();
            switch (e.getValue()) {
                case Dir d -> cpio.directory(p, d.perm());
                case File f -> cpio.file(p, f.perm(), f.contents());
                case Link l -> cpio.symlink(p, l.target());
                case CharDev c -> cpio.charDevice(p, c.perm(), c.major(), c.minor());
            }
        }
        cpio.finish();
    }

    /**
     * Writes the tree under {@code root} (which must exist), leaving out device nodes; every
     * timestamp is set to the epoch so images made from it are reproducible.
     */
    public void writeTo(Path root) throws IOException {
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            Path target = root.resolve(e.getKey().substring(1));
            switch (e.getValue()) {
                case Dir d -> {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, perms(d.perm()));
                }
                case File f -> {
                    Files.write(target, f.contents());
                    Files.setPosixFilePermissions(target, perms(f.perm()));
                }
                case Link l -> Files.createSymbolicLink(target, Path.of(l.target()));
                case CharDev c -> { }
            }
        }
        // Children first, so setting a file's time does not touch its directory's time afterwards.
        for (String p : nodes.descendingKeySet()) {
            Path target = root.resolve(p.substring(1));
            if (!(nodes.get(p) instanceof Link) && !(nodes.get(p) instanceof CharDev)) {
                Files.setLastModifiedTime(target, FileTime.fromMillis(0));
            }
        }
        Files.setLastModifiedTime(root, FileTime.fromMillis(0));
    }

    static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                s.add(order[bit]);
            }
        }
        return s;
    }
}
