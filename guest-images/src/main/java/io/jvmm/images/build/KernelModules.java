package io.jvmm.images.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Kernel modules of an unpacked linux-image package (lib/modules/VERSION/), and the load order
 * for a set of wanted modules. The package ships no modules.dep (depmod runs at install time),
 * so dependencies are read from each module's ".modinfo" ELF section ("depends=a,b").
 *
 * <pre>
 * ELF64 header (little-endian): e_shoff @0x28 (8), e_shentsize @0x3A (2), e_shnum @0x3C (2),
 *   e_shstrndx @0x3E (2)
 * section header (64 bytes): sh_name @0 (4), sh_offset @0x18 (8), sh_size @0x20 (8)
 * .modinfo: NUL-separated "key=value" strings
 * </pre>
 */
public final class KernelModules {
    private final Map<String, Path> byName = new HashMap<>();
    private final Set<String> builtin = new HashSet<>();

    /** Indexes {@code moduleDir} (lib/modules/VERSION): every *.ko below kernel/, and modules.builtin. */
    public KernelModules(Path moduleDir) throws IOException {
        try (Stream<Path> files = Files.walk(moduleDir.resolve("kernel"))) {
            files.filter(p -> p.getFileName().toString().endsWith(".ko"))
                    .forEach(p -> byName.put(normalise(p.getFileName().toString()), p));
        }
        Path builtinList = moduleDir.resolve("modules.builtin");
        if (Files.exists(builtinList)) {
            for (String line : Files.readAllLines(builtinList)) {
                if (!line.isBlank()) {
                    builtin.add(normalise(line.substring(line.lastIndexOf('/') + 1)));
                }
            }
        }
    }

    /** Module name as the kernel spells it: file name without ".ko", dashes as underscores. */
    static String normalise(String fileOrName) {
        String n = fileOrName.endsWith(".ko") ? fileOrName.substring(0, fileOrName.length() - 3) : fileOrName;
        return n.replace('-', '_');
    }

    /**
     * The module files to insmod, dependencies before dependents, for {@code wanted} and
     * everything they depend on; built-in modules are skipped, unknown ones are an error.
     */
    public List<Path> loadOrder(List<String> wanted) throws IOException {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        for (String w : wanted) {
            visit(normalise(w), order, new HashSet<>());
        }
        List<Path> out = new ArrayList<>();
        for (String n : order) {
            out.add(byName.get(n));
        }
        return out;
    }

    private void visit(String name, LinkedHashSet<String> order, Set<String> onPath) throws IOException {
        if (order.contains(name) || builtin.contains(name)) {
            return;
        }
        Path ko = byName.get(name);
        if (ko == null) {
            throw new IOException("kernel module " + name + " is neither built in nor in the package");
        }
        if (!onPath.add(name)) {
            throw new IOException("kernel module dependency cycle at " + name);
        }
        for (String dep : depends(Files.readAllBytes(ko))) {
            visit(normalise(dep), order, onPath);
        }
        onPath.remove(name);
        order.add(name);
    }

    /** The "depends=" list of a module's .modinfo section (empty when it has none). */
    static List<String> depends(byte[] elf) throws IOException {
        for (String entry : modinfo(elf)) {
            if (entry.startsWith("depends=")) {
                String v = entry.substring("depends=".length());
                return v.isEmpty() ? List.of() : List.of(v.split(","));
            }
        }
        return List.of();
    }

    static List<String> modinfo(byte[] elf) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464c457f || elf[4] != 2 /* ELFCLASS64 */) {
            throw new IOException("not an ELF64 kernel module");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        int shstrndx = Short.toUnsignedInt(b.getShort(0x3E));
        if (shentsize < 64 || shstrndx >= shnum || shoff < 0 || shoff + (long) shnum * shentsize > elf.length) {
            throw new IOException("kernel module has a bad section header table");
        }
        long strOff = b.getLong((int) (shoff + (long) shstrndx * shentsize) + 0x18);
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            String name = cString(elf, strOff + Integer.toUnsignedLong(b.getInt(sh)));
            if (name.equals(".modinfo")) {
                long off = b.getLong(sh + 0x18);
                long size = b.getLong(sh + 0x20);
                if (off < 0 || size < 0 || off + size > elf.length) {
                    throw new IOException("kernel module .modinfo out of bounds");
                }
                List<String> entries = new ArrayList<>();
                for (String s : new String(elf, (int) off, (int) size, StandardCharsets.UTF_8).split("\0")) {
                    if (!s.isEmpty()) {
                        entries.add(s);
                    }
                }
                return entries;
            }
        }
        return List.of();
    }

    private static String cString(byte[] data, long off) throws IOException {
        if (off < 0 || off >= data.length) {
            throw new IOException("kernel module section name out of bounds");
        }
        int end = (int) off;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, (int) off, end - (int) off, StandardCharsets.UTF_8);
    }
}
