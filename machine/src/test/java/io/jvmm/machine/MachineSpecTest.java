package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuFeature;
import io.jvmm.boot.cpu.CpuProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec is checked when built, and every complaint names the spec field, never a front end's option. */
class MachineSpecTest {
    @TempDir
    Path dir;

    private MachineSpec.Builder valid() throws Exception {
        return MachineSpec.builder().kernel(Files.write(dir.resolve("vmlinux"), new byte[64])).cpuProfile(CpuProfile.HARDWARE);
    }

    private String problem(UnaryOperator<MachineSpec.Builder> change) throws Exception {
        MachineSpec.Builder b = change.apply(valid());
        MachineSpecException e = assertThrows(MachineSpecException.class, b::build);
        assertTrue(e.getMessage().startsWith(e.field() + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("--"), "no option words: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void defaults() throws Exception {
        MachineSpec s = valid().build();
        assertEquals(MachineSpec.KernelFormat.AUTO, s.format());
        assertEquals(MachineSpec.RawEntry.DEFAULT, s.rawEntry());
        assertEquals(MachineSpec.DEFAULT_CMDLINE, s.cmdline());
        assertEquals(MachineSpec.DEFAULT_MEMORY, s.memoryBytes());
        assertEquals(1, s.cpus());
        assertEquals(List.of(), s.disks());
        assertEquals(CpuProfile.HARDWARE, s.cpuProfile());
        assertEquals(CpuProfile.detect(Path.of("/")).name(),
                MachineSpec.builder().kernel(s.kernel()).build().cpuProfile().name(), "no profile given: this host's");
    }

    @Test
    void appendAddsWordsToWhicheverCommandLine() throws Exception {
        assertEquals(MachineSpec.DEFAULT_CMDLINE + " quiet", valid().append("quiet").append(" ").build().cmdline());
        assertEquals("console=hvc0 a=1 b", valid().append("a=1").cmdline("console=hvc0").append("b").build().cmdline());
    }

    @Test
    void toBuilderKeepsEverything() throws Exception {
        Path disk = Files.write(dir.resolve("d.img"), new byte[512]);
        MachineSpec s = valid().memoryBytes(64L << 20).cpus(2).disk(disk, true).net("tap7", "52:54:00:12:34:56").rng(true)
                .cpuClear(EnumSet.of(CpuFeature.CX16)).traceExits(true).append("x").build();
        MachineSpec t = s.toBuilder().build();
        assertEquals(s.toString(), t.toString());
        assertEquals(s.disks(), t.disks());
        assertEquals(s.nets(), t.nets());
        assertEquals(s.cpuClear(), t.cpuClear());
        assertEquals(s.cmdline(), t.cmdline());
        Path root = Files.write(dir.resolve("root.img"), new byte[512]);
        assertEquals(root, s.toBuilder().firstDisk(new MachineSpec.DiskSpec(root, false)).build().disks().getFirst().path());
    }

    @Test
    void files() throws Exception {
        assertEquals("kernel: none given", problem(b -> b.kernel(null)));
        Path missing = dir.resolve("missing");
        assertEquals("kernel: " + missing + ": no such file", problem(b -> b.kernel(missing)));
        assertEquals("kernel: " + dir + ": not a regular file", problem(b -> b.kernel(dir)));
        assertEquals("initrd: " + missing + ": no such file", problem(b -> b.initrd(missing)));
    }

    @Test
    void disksAreNumberedFromOneInGuestOrder() throws Exception {
        Path ok = Files.write(dir.resolve("ok.img"), new byte[512]);
        Path missing = dir.resolve("x.img");
        assertEquals("disk 2: " + missing + ": no such file", problem(b -> b.disk(ok, false).disk(missing, false)));
        assertEquals("disk 1: " + missing + ": no such file", problem(b -> b.disk(ok, false).firstDisk(new MachineSpec.DiskSpec(missing, true))));
    }

    @Test
    void memory() throws Exception {
        assertEquals("memory: 4096 bytes is below the 1 MiB minimum", problem(b -> b.memoryBytes(4096)));
        assertEquals("memory: 0 bytes is below the 1 MiB minimum", problem(b -> b.memoryBytes(0)));
        assertEquals("memory: 1049000 bytes is not a multiple of 4 KiB (the page size)", problem(b -> b.memoryBytes(1049000)));
        assertTrue(problem(b -> b.memoryBytes(1L << 60)).startsWith("memory: 1 EiB is more than this host's RAM ("));
    }

    @Test
    void cpus() throws Exception {
        assertEquals("cpus: 0 is not between 1 and 254", problem(b -> b.cpus(0)));
        assertEquals("cpus: 255 is not between 1 and 254", problem(b -> b.cpus(255)));
        assertTrue(problem(b -> b.cpuProfile(CpuProfile.emulatingHost("test")).cpuClear(Set.of(CpuFeature.XSAVEERPTR)))
                .startsWith("cpu clear: xsaveerptr cannot be cleared on an emulating host"));
    }

    @Test
    void rawEntry() throws Exception {
        MachineSpec.Builder raw = valid().format(MachineSpec.KernelFormat.RAW);
        assertEquals(0x1000, raw.build().rawEntry().address());
        assertEquals("raw entry: real-mode address 0x10000 is past the first 64 KiB (one real-mode segment)",
                problem(b -> b.format(MachineSpec.KernelFormat.RAW)
                        .rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.REAL, 0x10000))));
        // Only raw binaries have an entry: a Linux kernel ignores it.
        valid().rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.REAL, 0x10000)).build();
    }

    @Test
    void nets() throws Exception {
        assertEquals("net 1: no TAP name given", problem(b -> b.net("", null)));
        assertEquals("net 1: TAP name 'a-very-long-tap-name' is longer than 15 bytes (IFNAMSIZ)",
                problem(b -> b.net("a-very-long-tap-name", null)));
        assertEquals("net 2: TAP tap0 is already net 1", problem(b -> b.net("tap0", null).net("tap0", null)));
        assertTrue(problem(b -> b.net("tap0", "zz")).startsWith("net 1: bad MAC address 'zz'"));
    }

    @Test
    void atMostNineteenVirtioDevices() throws Exception {
        Path disk = Files.write(dir.resolve("d.img"), new byte[512]);
        assertEquals("virtio devices: 20 (disks, nets and rng together); at most 19 fit the IOAPIC's GSIs 5..23",
                problem(b -> {
                    for (int i = 0; i < 19; i++) {
                        b.disk(disk, true);
                    }
                    return b.rng(true);
                }));
    }

    @Test
    void sizesAsAPersonReadsThem() {
        assertEquals("4.0 KiB", MachineSpec.describeSize(4095));
        assertEquals("1023 bytes", MachineSpec.describeSize(1023));
        assertEquals("4 KiB", MachineSpec.describeSize(4096));
        assertEquals("256 MiB", MachineSpec.describeSize(256L << 20));
        assertEquals("1.5 GiB", MachineSpec.describeSize(3L << 29));
        assertEquals("8.0 EiB", MachineSpec.describeSize(Long.MAX_VALUE));
    }
}
