package io.jvmm.machine;

import io.jvmm.boot.cpu.CpuFeature;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.devices.virtio.net.VirtioNet;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything needed to build a machine, checked: a spec exists only through {@link Builder#build()},
 * which rejects what cannot work with a {@link MachineSpecException} naming the field ("kernel",
 * "memory", "cpus", "disk 2", "net 1" ...). Front ends map their own options or API fields onto a
 * {@link Builder}; their syntax errors stay theirs.
 *
 * <pre>
 *   MachineSpec spec = MachineSpec.builder()
 *           .kernel(Path.of("vmlinux")).initrd(Path.of("initramfs.cpio"))
 *           .append("jvmm.cmd=\"uname -a\"")
 *           .memoryBytes(256L &lt;&lt; 20).cpus(2)
 *           .disk(Path.of("root.img"), false)
 *           .build();
 * </pre>
 */
public final class MachineSpec {
    /** The kernel command line when none is given: the console on COM1, reset through the i8042, reboot on panic. */
    public static final String DEFAULT_CMDLINE = "console=ttyS0 reboot=k panic=1";
    /**
     * Guest RAM when none is given: 128 MiB, Firecracker's {@code mem_size_mib} default and QEMU's. The default
     * guest needs far less, and on emulating hosts the kernel's memory-map set-up is emulated work that grows
     * with RAM (docs/boot-time.md: 256 MiB cost ~2 s more of boot).
     */
    public static final long DEFAULT_MEMORY = 128L << 20;
    /** A raw guest needs little; the Linux loader checks its own, larger minimum. */
    public static final long MIN_MEMORY = 1L << 20;
    /** More vCPUs than the MP table and the APIC ID scheme describe (8-bit APIC IDs, IOAPIC id = N). */
    public static final int MAX_CPUS = 254;
    /** Linux's IFNAMSIZ (16) less the terminating NUL. */
    static final int MAX_TAP_NAME = 15;

    private final Path kernel;
    private final KernelFormat format;
    private final RawEntry rawEntry;
    private final Path initrd;
    private final String cmdline;
    private final long memoryBytes;
    private final int cpus;
    private final Set<CpuFeature> cpuClear;
    private final CpuProfile cpuProfile;
    private final ExitTraceMode exitTrace;
    private final List<DiskSpec> disks;
    private final List<NetSpec> nets;
    private final boolean rng;
    private final boolean acpi;

    private MachineSpec(Builder b, String cmdline, CpuProfile profile) {
        this.kernel = b.kernel;
        this.format = b.format;
        this.rawEntry = b.rawEntry;
        this.initrd = b.initrd;
        this.cmdline = cmdline;
        this.memoryBytes = b.memoryBytes;
        this.cpus = b.cpus;
        this.cpuClear = b.cpuClear.isEmpty() ? Set.of() : Set.copyOf(b.cpuClear);
        this.cpuProfile = profile;
        this.exitTrace = b.exitTrace;
        this.disks = List.copyOf(b.disks);
        this.nets = List.copyOf(b.nets);
        this.rng = b.rng;
        this.acpi = b.acpi;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this spec's values (the command line as built), to derive another spec. */
    public Builder toBuilder() {
        Builder b = new Builder().kernel(kernel).format(format).rawEntry(rawEntry).initrd(initrd).cmdline(cmdline)
                .memoryBytes(memoryBytes).cpus(cpus).cpuClear(cpuClear).cpuProfile(cpuProfile).exitTrace(exitTrace)
                .rng(rng).acpi(acpi);
        disks.forEach(b::disk);
        nets.forEach(b::net);
        return b;
    }

    /** Kernel image: bzImage, ELF vmlinux, or a flat binary with {@link KernelFormat#RAW}. */
    public Path kernel() {
        return kernel;
    }

    public KernelFormat format() {
        return format;
    }

    /** Where a raw binary is loaded and entered (RAW only). */
    public RawEntry rawEntry() {
        return rawEntry;
    }

    /** Initial ramdisk, or null. */
    public Path initrd() {
        return initrd;
    }

    /**
     * The kernel command line as asked for; the machine adds the CPU profile's words and, unless the kernel
     * finds them through ACPI ({@link #acpi()}), the virtio devices' {@code virtio_mmio.device=} entries.
     */
    public String cmdline() {
        return cmdline;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    public int cpus() {
        return cpus;
    }

    /** CPUID features to hide from the guest, on top of the CPU profile's. */
    public Set<CpuFeature> cpuClear() {
        return cpuClear;
    }

    /** How the guest's CPU is presented on this host (detected when the builder was given none). */
    public CpuProfile cpuProfile() {
        return cpuProfile;
    }

    /** One line per vCPU exit on stderr ({@link ExitTraceMode#LINES}). */
    public boolean traceExits() {
        return exitTrace == ExitTraceMode.LINES;
    }

    /** How vCPU exits are traced. */
    public ExitTraceMode exitTrace() {
        return exitTrace;
    }

    /**
     * Exit tracing: off; one line per exit on stderr, naming the device, the register and what the access
     * means; or counts and handling time per device and register ({@link Machine#exitTraceSummary()}).
     */
    public enum ExitTraceMode { OFF, LINES, SUMMARY }

    /** virtio-blk disks; the first is /dev/vda. */
    public List<DiskSpec> disks() {
        return disks;
    }

    /** virtio-net interfaces on host TAPs. */
    public List<NetSpec> nets() {
        return nets;
    }

    /** A virtio-rng device. */
    public boolean rng() {
        return rng;
    }

    /**
     * ACPI tables for a Linux guest (on by default): RSDP, XSDT, FADT, MADT and a DSDT naming the virtio-mmio
     * devices, COM1 and the i8042. A kernel known to have ACPI (a vmlinux whose symbols say so) then gets
     * neither an MP table nor {@code virtio_mmio.device=} words; any other kernel gets them as well. Off: the MP
     * table and the command-line words only, as for a kernel without ACPI.
     */
    public boolean acpi() {
        return acpi;
    }

    @Override
    public String toString() {
        return "MachineSpec[kernel=" + kernel + ", format=" + format + ", initrd=" + initrd + ", memory="
                + describeSize(memoryBytes) + ", cpus=" + cpus + ", disks=" + disks + ", nets=" + nets + ", rng=" + rng
                + ", acpi=" + acpi + ", cmdline='" + cmdline + "']";
    }

    /**
     * A raw disk image; {@code readOnly} makes it read-only for the guest (VIRTIO_BLK_F_RO). With
     * {@code copyOnWrite} the guest may write, but its writes go to a private overlay discarded when
     * the machine closes, and the file itself is opened read-only.
     */
    public record DiskSpec(Path path, boolean readOnly, boolean copyOnWrite) {
        public DiskSpec {
            if (readOnly && copyOnWrite) {
                throw new MachineSpecException("disk " + path, "read-only and copy-on-write exclude each other");
            }
        }

        /** A disk written in place (or read-only). */
        public DiskSpec(Path path, boolean readOnly) {
            this(path, readOnly, false);
        }

        /** True when the file itself gets written, so its lock must be exclusive. */
        public boolean writesFile() {
            return !readOnly && !copyOnWrite;
        }
    }

    /** A virtio-net interface on host TAP {@code tap}, with MAC {@code mac} (null: generated). */
    public record NetSpec(String tap, String mac) {
    }

    public enum KernelFormat { AUTO, BZIMAGE, ELF, RAW }

    /** Where a flat binary goes and in which CPU mode it starts. */
    public record RawEntry(Mode mode, long address) {
        /** Real mode at 0x1000, where the hello guests start. */
        public static final RawEntry DEFAULT = new RawEntry(Mode.REAL, 0x1000);

        public enum Mode { REAL, LONG }

        public RawEntry {
            Objects.requireNonNull(mode, "mode");
        }
    }

    /** Collects a spec's fields; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private Path kernel;
        private KernelFormat format = KernelFormat.AUTO;
        private RawEntry rawEntry = RawEntry.DEFAULT;
        private Path initrd;
        private String cmdline = DEFAULT_CMDLINE;
        private final List<String> appended = new ArrayList<>();
        private long memoryBytes = DEFAULT_MEMORY;
        private int cpus = 1;
        private Set<CpuFeature> cpuClear = Set.of();
        private CpuProfile cpuProfile;
        private ExitTraceMode exitTrace = ExitTraceMode.OFF;
        private final List<DiskSpec> disks = new ArrayList<>();
        private final List<NetSpec> nets = new ArrayList<>();
        private boolean rng;
        private boolean acpi = true;

        private Builder() {
        }

        public Builder kernel(Path kernel) {
            this.kernel = kernel;
            return this;
        }

        public Builder format(KernelFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder rawEntry(RawEntry rawEntry) {
            this.rawEntry = Objects.requireNonNull(rawEntry, "rawEntry");
            return this;
        }

        /** Initial ramdisk; null for none. */
        public Builder initrd(Path initrd) {
            this.initrd = initrd;
            return this;
        }

        /** Replaces the kernel command line ({@link #DEFAULT_CMDLINE} by default). */
        public Builder cmdline(String cmdline) {
            this.cmdline = Objects.requireNonNull(cmdline, "cmdline");
            return this;
        }

        /** Adds words after the command line (blank text adds nothing). */
        public Builder append(String words) {
            if (words != null && !words.isBlank()) {
                appended.add(words.strip());
            }
            return this;
        }

        public Builder memoryBytes(long memoryBytes) {
            this.memoryBytes = memoryBytes;
            return this;
        }

        public Builder cpus(int cpus) {
            this.cpus = cpus;
            return this;
        }

        public Builder cpuClear(Set<CpuFeature> features) {
            this.cpuClear = Objects.requireNonNull(features, "features");
            return this;
        }

        /** The CPU profile; null (the default) detects this host's. */
        public Builder cpuProfile(CpuProfile profile) {
            this.cpuProfile = profile;
            return this;
        }

        /** {@link ExitTraceMode#LINES} or off. */
        public Builder traceExits(boolean traceExits) {
            return exitTrace(traceExits ? ExitTraceMode.LINES : ExitTraceMode.OFF);
        }

        public Builder exitTrace(ExitTraceMode mode) {
            this.exitTrace = java.util.Objects.requireNonNull(mode, "exitTrace");
            return this;
        }

        /** Adds a virtio-blk disk after those already added. */
        public Builder disk(Path path, boolean readOnly) {
            return disk(new DiskSpec(path, readOnly));
        }

        public Builder disk(DiskSpec disk) {
            disks.add(Objects.requireNonNull(disk, "disk"));
            return this;
        }

        /** Inserts a disk first: it becomes /dev/vda. */
        public Builder firstDisk(DiskSpec disk) {
            disks.addFirst(Objects.requireNonNull(disk, "disk"));
            return this;
        }

        /** Adds a virtio-net interface on host TAP {@code tap}; {@code mac} null for a generated one. */
        public Builder net(String tap, String mac) {
            return net(new NetSpec(tap, mac));
        }

        public Builder net(NetSpec net) {
            nets.add(Objects.requireNonNull(net, "net"));
            return this;
        }

        public Builder rng(boolean rng) {
            this.rng = rng;
            return this;
        }

        /** ACPI tables for a Linux guest (the default: on). */
        public Builder acpi(boolean acpi) {
            this.acpi = acpi;
            return this;
        }

        /**
         * Checks every field and reports the first problem: the values first, then the files (kernel,
         * initrd, disks), as they are now. A front end that supplies the kernel last can build once without
         * it to have every other value checked ({@code kernel: none given} is then the only complaint).
         */
        public MachineSpec build() {
            if (format == KernelFormat.RAW) {
                checkRawEntry(rawEntry);
            }
            checkMemory(memoryBytes);
            if (cpus < 1 || cpus > MAX_CPUS) {
                throw new MachineSpecException("cpus", cpus + " is not between 1 and " + MAX_CPUS);
            }
            CpuProfile profile = cpuProfile != null ? cpuProfile : CpuProfile.detect(Path.of("/"));
            if (profile.emulating() && cpuClear.contains(CpuFeature.XSAVEERPTR)) {
                throw new MachineSpecException("cpu clear", "xsaveerptr cannot be cleared on an emulating host: the"
                        + " guest needs it, or the kernel takes an x87 path (fnclex; emms; fild) the emulator cannot run");
            }
            for (int i = 0; i < nets.size(); i++) {
                checkNet(i, nets.get(i));
            }
            int virtio = disks.size() + nets.size() + (rng ? 1 : 0);
            if (virtio > VirtioDevices.MAX_DEVICES) {
                throw new MachineSpecException("virtio devices", virtio + " (disks, nets and rng together); at most "
                        + VirtioDevices.MAX_DEVICES + " fit the IOAPIC's GSIs " + VirtioDevices.FIRST_GSI + ".."
                        + (VirtioDevices.FIRST_GSI + VirtioDevices.MAX_DEVICES - 1));
            }
            if (kernel == null) {
                throw new MachineSpecException("kernel", "none given");
            }
            checkFile("kernel", kernel);
            if (initrd != null) {
                checkFile("initrd", initrd);
            }
            for (int i = 0; i < disks.size(); i++) {
                checkDisk("disk " + (i + 1), disks.get(i));
            }
            String line = appended.isEmpty() ? cmdline : (cmdline + " " + String.join(" ", appended)).strip();
            return new MachineSpec(this, line, profile);
        }

        private static void checkRawEntry(RawEntry e) {
            if (e.mode() == RawEntry.Mode.REAL && (e.address() < 0 || e.address() > 0xffff)) {
                throw new MachineSpecException("raw entry", "real-mode address 0x" + Long.toHexString(e.address())
                        + " is past the first 64 KiB (one real-mode segment)");
            }
            if (e.address() < 0) {
                throw new MachineSpecException("raw entry", "address 0x" + Long.toHexString(e.address())
                        + " is past the guest-physical address space");
            }
        }

        private static void checkMemory(long bytes) {
            if (bytes < MIN_MEMORY) {
                throw new MachineSpecException("memory", bytes + " bytes is below the " + describeSize(MIN_MEMORY)
                        + " minimum");
            }
            if (bytes % 4096 != 0) {
                throw new MachineSpecException("memory", bytes + " bytes is not a multiple of 4 KiB (the page size)");
            }
            long hostRam = HostInfo.memTotalBytes();
            if (hostRam > 0 && bytes > hostRam) {
                throw new MachineSpecException("memory", describeSize(bytes) + " is more than this host's RAM ("
                        + describeSize(hostRam) + ")");
            }
        }

        private void checkDisk(String field, DiskSpec d) {
            if (d.path() == null) {
                throw new MachineSpecException(field, "no image file given");
            }
            checkFile(field, d.path());
            if (d.writesFile() && !Files.isWritable(d.path())) {
                throw new MachineSpecException(field, d.path() + ": not writable (attach it read-only)");
            }
        }

        private void checkNet(int index, NetSpec n) {
            String field = "net " + (index + 1);
            if (n.tap() == null || n.tap().isEmpty()) {
                throw new MachineSpecException(field, "no TAP name given");
            }
            if (n.tap().getBytes(StandardCharsets.UTF_8).length > MAX_TAP_NAME) {
                throw new MachineSpecException(field, "TAP name '" + n.tap() + "' is longer than " + MAX_TAP_NAME
                        + " bytes (IFNAMSIZ)");
            }
            for (int j = 0; j < index; j++) {
                if (nets.get(j).tap().equals(n.tap())) {
                    throw new MachineSpecException(field, "TAP " + n.tap() + " is already net " + (j + 1));
                }
            }
            if (n.mac() != null) {
                try {
                    VirtioNet.parseMac(n.mac());
                } catch (IllegalArgumentException e) {
                    throw new MachineSpecException(field, e.getMessage());
                }
            }
        }

        private static void checkFile(String field, Path p) {
            if (!Files.exists(p)) {
                throw new MachineSpecException(field, p + ": no such file");
            }
            if (!Files.isRegularFile(p)) {
                throw new MachineSpecException(field, p + ": not a regular file");
            }
            if (!Files.isReadable(p)) {
                throw new MachineSpecException(field, p + ": permission denied");
            }
        }
    }

    /** {@code 4096 bytes}, {@code 256 MiB}, {@code 23.4 GiB}: a size as a person reads it. */
    static String describeSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = 63 - Long.numberOfLeadingZeros(bytes);   // floor(log2)
        int u = Math.min(unit / 10, units.length) - 1;
        long scale = 1L << (10 * (u + 1));
        if (bytes % scale == 0) {
            return (bytes / scale) + " " + units[u];
        }
        return String.format(Locale.ROOT, "%.1f %s", (double) bytes / scale, units[u]);
    }
}
