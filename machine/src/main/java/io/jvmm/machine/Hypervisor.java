package io.jvmm.machine;

import io.jvmm.core.kvm.Kvm;
import io.jvmm.core.kvm.KvmException;
import io.jvmm.core.kvm.KvmIoctls;
import io.jvmm.core.sys.SysCallException;

/**
 * An open hypervisor device ({@code /dev/kvm}): what {@link Machine}s are built on. One can be kept open
 * for many machines (a long-running VMM service, the benchmark's warm runs). Front ends hold this, never
 * the KVM binding itself.
 */
public final class Hypervisor implements AutoCloseable {
    /** The KVM device. */
    public static final String DEV_KVM = Kvm.DEV_KVM;

    private final Kvm kvm;

    private Hypervisor(Kvm kvm) {
        this.kvm = kvm;
    }

    /** Opens {@link #DEV_KVM}. */
    public static Hypervisor open() {
        return open(DEV_KVM);
    }

    /**
     * Opens {@code device} and checks it is KVM with the API version jvmm speaks.
     *
     * @throws HypervisorException naming the device, and how to fix the common causes
     */
    public static Hypervisor open(String device) {
        try {
            return new Hypervisor(Kvm.open(device));
        } catch (KvmException e) {
            throw new HypervisorException(e.getMessage(), e);
        } catch (SysCallException e) {
            // Opened, but the first KVM ioctl failed: a file that is not the KVM device (ENOTTY) and the like.
            throw new HypervisorException(device + ": " + e.getMessage() + " — is it the KVM device?", e);
        }
    }

    /**
     * Links jvmm's native calls now, on the calling thread. The first system call of a process spins the
     * JDK's downcall stub (tens of ms in a cold JVM); a front end may call this on a thread of its own at start,
     * so that the link overlaps its option parsing instead of delaying {@link #open}. Harmless to call again
     * or concurrently (the link is made once).
     */
    public static void linkNativeCalls() {
        io.jvmm.core.sys.Sys.getpid();
    }

    /** The most vCPUs one VM may have on this host (KVM_CAP_MAX_VCPUS), or 0 when KVM does not say. */
    public int maxVcpus() {
        return kvm.checkExtension(KvmIoctls.KVM_CAP_MAX_VCPUS);
    }

    /**
     * Creates an empty VM (KVM_CREATE_VM: no memory, no vCPU) and closes it at once: the least a VM costs, for the
     * benchmark's {@code ffm} floor.
     */
    public void createAndCloseVm() {
        try {
            kvm.createVm().close();
        } catch (KvmException | SysCallException e) {
            throw new HypervisorException("KVM_CREATE_VM: " + e.getMessage(), e);
        }
    }

    /** The binding, for the assembly and the probes of this module. */
    Kvm kvm() {
        return kvm;
    }

    @Override
    public void close() {
        kvm.close();
    }
}
