package io.jvmm.machine;

import io.jvmm.core.sys.OfdLock;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.SysCallException;

/**
 * The lock a disk image holds while a machine uses it, as QEMU does: an OFD lock on the whole file,
 * shared when the file is only read (a read-only disk, or the base of a copy-on-write one), exclusive
 * when the guest writes the file itself. A second VMM that would write an image in use, or read one
 * being written, is refused with one line naming the disk.
 */
final class DiskLock {
    private DiskLock() {
    }

    /** Takes the lock for disk {@code index}; the returned descriptor holds it until closed. */
    static OwnedFd acquire(int index, MachineSpec.DiskSpec disk) {
        OwnedFd fd;
        try {
            fd = OfdLock.tryLock(disk.path().toString(), disk.writesFile());
        } catch (SysCallException e) {
            throw new IllegalArgumentException("disk " + index + ": " + disk.path() + ": cannot open"
                    + (disk.writesFile() ? " for writing (add ,ro?)" : "") + ": " + e.getMessage());
        }
        if (fd == null) {
            throw new IllegalArgumentException("disk " + index + ": " + disk.path() + " is locked by another process"
                    + (disk.writesFile() ? " (in use by another VMM?)" : " that writes it (in use by another VMM?)"));
        }
        return fd;
    }
}
