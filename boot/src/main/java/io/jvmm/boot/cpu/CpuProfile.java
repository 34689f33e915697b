package io.jvmm.boot.cpu;

import io.jvmm.boot.BootException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the guest's CPU is presented on this host: features to clear in CPUID and kernel command-line
 * options to add. Two profiles: a hardware KVM host needs nothing; an emulating host — KVM runs guest
 * ring-0 code in its instruction emulator, as the PVM-based nested KVM of jvmm's development machines
 * does (see docs/emulating-hosts.md) — needs the recipe that lets a Linux guest boot there.
 *
 * @param name              short name for logs and --cpu-profile
 * @param cpuidClear        features cleared in every vCPU's CPUID
 * @param cmdlineAdditions  words the assembly appends to the kernel command line ("" for none)
 * @param description       the one line the assembly logs
 */
public record CpuProfile(String name, Set<CpuFeature> cpuidClear, String cmdlineAdditions, String description) {

    /** Present when KVM is provided by the PVM module (sysfs path, relative to the root). */
    public static final String KVM_PVM_MODULE = "sys/module/kvm_pvm";

    /**
     * The guest kernel options an emulating host needs (docs/emulating-hosts.md): no XSAVE (xrstor/xsaves
     * are not emulated), no PTI/PCID/INVPCID/FSGSBASE, the jvmm guest kernel's {@code syscall_trap}
     * (SYSCALL from user mode lands in ring 3 here), and clearcpuid for smap, smep, fsgsbase, umip, pku,
     * rdpid, popcnt, movbe, rdrand, rdseed, clflushopt, clwb (feature numbers word*32+bit, as 6.1 takes
     * them without CONFIG_X86_FEATURE_NAMES).
     */
    public static final String EMULATING_HOST_KERNEL_OPTIONS = "noxsave nopti nopcid noinvpcid nofsgsbase syscall_trap"
            + " clearcpuid=308,295,288,514,515,534,151,150,158,306,311,312";

    /**
     * Keeps glibc in the guest on its SSE2 code. On an emulating host guest user code runs natively with
     * the host's CPUID and XCR0 (AVX and AVX-512 enabled), but the guest kernel, booted with
     * {@code noxsave}, switches only the FXSAVE image (x87, XMM0-15) between processes: the upper YMM
     * halves, ZMM16-31 and the opmask registers are shared by every guest process. glibc would pick
     * its AVX2/EVEX string functions, and a process preempted inside one (a page fault is enough) gets
     * another process's bytes back. A KEY=VALUE word the kernel does not know becomes an environment
     * variable of init (init/main.c, unknown_bootoption) and so of every process.
     *
     * <p>The names are those glibc 2.36 (Debian 12's, which the guest busybox is linked with) accepts
     * in {@code glibc.cpu.hwcaps} (sysdeps/x86/cpu-tunables.c); AVX_Fast_Unaligned_Load is a
     * preference glibc sets before the tunable is read, so it must be cleared too or memcpy stays on AVX.
     */
    public static final String GUEST_GLIBC_TUNABLES = "GLIBC_TUNABLES=glibc.cpu.hwcaps="
            + "-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX512ER,-AVX512PF,"
            + "-AVX_Fast_Unaligned_Load,-FMA,-FMA4";

    /** Everything the emulating-host profile adds to the kernel command line. */
    public static final String EMULATING_HOST_CMDLINE = EMULATING_HOST_KERNEL_OPTIONS + " " + GUEST_GLIBC_TUNABLES;

    public static final CpuProfile HARDWARE = new CpuProfile("hardware", EnumSet.noneOf(CpuFeature.class), "",
            "CPU profile: hardware KVM host, CPUID as the host supports it");

    public CpuProfile {
        cpuidClear = cpuidClear.isEmpty() ? EnumSet.noneOf(CpuFeature.class) : EnumSet.copyOf(cpuidClear);
    }

    /**
     * The profile for an emulating host: clears CX16 (SLUB's {@code lock cmpxchg16b} is not emulated)
     * and never XSAVEERPTR (CPUID 0x80000008 EBX bit 2: without it the kernel runs AMD's
     * FXSAVE-leak workaround, {@code fnclex; emms; fild}, which the emulator cannot run).
     */
    public static CpuProfile emulatingHost(String evidence) {
        // KVM_PV_SEND_IPI / KVM_PV_UNHALT: with them a 2-vCPU guest sent its wake-up IPIs by hypercall and
        // spun in kvm_hypercall4 and queued_spin_lock_slowpath for minutes, the second CPU never started
        // (seen with jvmm --profile-guest on this host); without them IPIs go through the emulated LAPIC.
        Set<CpuFeature> clear = EnumSet.of(CpuFeature.CX16, CpuFeature.KVM_PV_SEND_IPI, CpuFeature.KVM_PV_UNHALT);
        return new CpuProfile("emulating-host", clear, EMULATING_HOST_CMDLINE,
                "CPU profile: emulating KVM host (" + evidence + "): guest kernel code runs in KVM's instruction"
                        + " emulator; CPUID cleared " + names(clear) + ", kept xsaveerptr (0x80000008 EBX[2]);"
                        + " kernel cmdline += '" + EMULATING_HOST_CMDLINE + "' (syscall_trap needs the jvmm guest"
                        + " kernel's patch); guest glibc kept off AVX: this host does not switch guest"
                        + " processes' AVX/AVX-512 registers, so programs that use AVX themselves can still"
                        + " corrupt and read each other's vector registers (hardware KVM hosts are unaffected)");
    }

    /**
     * Chooses the profile for the host whose filesystem is at {@code root} ("/" normally; tests pass a
     * directory that fakes sysfs). A pure function of what exists under {@code root}.
     */
    public static CpuProfile detect(Path root) {
        Path pvm = root.resolve(KVM_PVM_MODULE);
        if (Files.isDirectory(pvm)) {
            return emulatingHost("/" + KVM_PVM_MODULE + " present");
        }
        return HARDWARE;
    }

    /** True for the emulating-host profile: guest kernel code runs in KVM's instruction emulator. */
    public boolean emulating() {
        return !cmdlineAdditions.isEmpty();
    }

    /** The profile with {@code more} features cleared too (the machine spec's cpuid clear). */
    public CpuProfile withCleared(Set<CpuFeature> more) {
        if (more.isEmpty()) {
            return this;
        }
        if (!cmdlineAdditions.isEmpty() && more.contains(CpuFeature.XSAVEERPTR)) {
            throw new BootException("xsaveerptr cannot be cleared on an emulating host: the guest needs it, or the"
                    + " kernel takes an x87 path (fnclex; emms; fild) the emulator cannot run");
        }
        Set<CpuFeature> all = EnumSet.copyOf(cpuidClear);
        all.addAll(more);
        return new CpuProfile(name, all, cmdlineAdditions, description + "; also cleared " + names(more));
    }

    /** vCPU {@code vcpu}'s CPUID table under this profile (see {@link CpuidTable#forVcpu}). */
    public List<CpuidEntry> cpuidFor(List<CpuidEntry> supported, int vcpu, int vcpuCount) {
        return CpuidTable.forVcpu(supported, vcpu, vcpuCount, cpuidClear);
    }

    private static String names(Set<CpuFeature> features) {
        return features.stream().map(f -> f.cpuinfoName).collect(Collectors.joining(","));
    }
}
