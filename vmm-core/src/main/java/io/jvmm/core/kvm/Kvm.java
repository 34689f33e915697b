package io.jvmm.core.kvm;

import io.jvmm.core.sys.Errno;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import io.jvmm.core.sys.SysCallException;

import java.util.List;

/** {@code /dev/kvm}: the system ioctls. One method per ioctl, named after it. */
public final class Kvm implements AutoCloseable {
    public static final String DEV_KVM = "/dev/kvm";

    private final OwnedFd fd;

    private Kvm(OwnedFd fd) {
        this.fd = fd;
    }

    /**
     * Opens /dev/kvm and checks the API version. Failures say how to fix the common causes.
     */
    public static Kvm open() {
        return open(DEV_KVM);
    }

    public static Kvm open(String path) {
        OwnedFd fd;
        try {
            fd = Sys.open(path, Sys.O_RDWR | Sys.O_CLOEXEC);
        } catch (SysCallException e) {
            throw new KvmException(switch (e.errno()) {
                case Errno.ENOENT -> path + " does not exist — is KVM enabled (modprobe kvm_intel or kvm_amd) "
                        + "and is this a host with virtualization?";
                case Errno.EACCES, Errno.EPERM -> permissionDenied(path);
                default -> "cannot open " + path + ": " + e.getMessage();
            }, e);
        }
        Kvm kvm = new Kvm(fd);
        try {
            int version = kvm.getApiVersion();
            if (version != KvmIoctls.KVM_API_VERSION) {
                throw new KvmException(path + " reports KVM API version " + version + ", jvmm needs "
                        + KvmIoctls.KVM_API_VERSION);
            }
            return kvm;
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    /**
     * The one-line error for a device this process may not open: who owns it, with what mode, who this
     * process is, and the two fixes (root, or the device's group). Read with java.nio, no native call.
     */
    static String permissionDenied(String path) {
        String device = "";
        String group = "kvm";
        try {
            java.nio.file.attribute.PosixFileAttributes a = java.nio.file.Files.readAttributes(java.nio.file.Path.of(path),
                    java.nio.file.attribute.PosixFileAttributes.class);
            group = a.group().getName();
            device = " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions()) + ", owner "
                    + a.owner().getName() + ", group " + group + ")";
        } catch (java.io.IOException | RuntimeException e) {
            // the attributes only make the message more precise
        }
        String self = "";
        try {
            self = " to uid " + java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")
                    + " gid " + java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:gid");
        } catch (java.io.IOException | RuntimeException e) {
            // as above
        }
        String fix = group.equals("root")
                ? "run as root, or give the device a group (chgrp kvm " + path + " && chmod 660 " + path + ") and add the user to it"
                : "run as root or add the user to group " + group + " (the device must be group read-write: chmod 660 " + path + ")";
        return path + ": permission denied" + self + device + " — " + fix;
    }

    /** KVM_GET_API_VERSION (always 12 on supported kernels). */
    public int getApiVersion() {
        return Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_API_VERSION, "KVM_GET_API_VERSION", 0);
    }

    /** KVM_CHECK_EXTENSION: 0 when unsupported, else a positive (often capability-specific) value. */
    public int checkExtension(int capability) {
        return Sys.ioctl(fd.fd(), KvmIoctls.KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION", capability);
    }

    /** KVM_GET_VCPU_MMAP_SIZE: bytes to mmap from each vCPU fd (kvm_run plus ring pages). */
    public int getVcpuMmapSize() {
        return Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE", 0);
    }

    /** KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can present to guests. */
    public List<KvmCpuid2.Entry> getSupportedCpuid() {
        KvmCpuid2 cpuid = new KvmCpuid2(KvmCpuid2.MAX_ENTRIES);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID", cpuid.segment());
        return cpuid.entries();
    }

    /** KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a vCPU (KVM_GET_MSRS takes them all). */
    public int[] getMsrIndexList() {
        KvmMsrList list = new KvmMsrList(KvmMsrList.MAX_MSRS);
        Sys.ioctl(fd.fd(), KvmIoctls.KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST", list.segment());
        return list.indices();
    }

    /** KVM_CREATE_VM (machine type 0: the default x86 VM). */
    public VmFd createVm() {
        int vmFd = Sys.ioctl(fd.fd(), KvmIoctls.KVM_CREATE_VM, "KVM_CREATE_VM", 0);
        return new VmFd(Sys.adopt(vmFd, "vm"), getVcpuMmapSize());
    }

    @Override
    public void close() {
        fd.close();
    }
}
