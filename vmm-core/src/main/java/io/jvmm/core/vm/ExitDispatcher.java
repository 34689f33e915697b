package io.jvmm.core.vm;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.kvm.VcpuExit;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestMemoryException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

/**
 * Routes vCPU exits to devices: a plain function of (vCPU, exit) to {@link VcpuAction}, tested with
 * synthetic exits. Port I/O goes to the port bus, MMIO to the MMIO bus; an access no device claims
 * reads as all ones and is otherwise ignored (what real hardware does for an empty bus), and counted.
 */
public final class ExitDispatcher {
    private static final int INSN_BYTES = 16;

    private final Bus pio;
    private final Bus mmio;
    private final GuestMemory memory;
    private final ExitStats stats;
    private final ExitTrace trace; // null when --trace-exits is off

    /** @param trace what {@code --trace-exits} prints, or null (off) */
    public ExitDispatcher(Bus pio, Bus mmio, GuestMemory memory, ExitStats stats, ExitTrace trace) {
        this.pio = pio;
        this.mmio = mmio;
        this.memory = memory;
        this.stats = stats;
        this.trace = trace;
    }

    public VcpuAction dispatch(VcpuView vcpu, VcpuExit exit) {
        stats.countKind(exit.kind());
        if (!(exit instanceof VcpuExit.Intr)) {
            stats.noteExit(System.nanoTime()); // kicks are ours, not the guest's doing
        }
        return switch (exit) {
            case VcpuExit.IoOut io -> {
                for (int i = 0; i < io.count(); i++) {
                    byte[] data = io.data().asSlice((long) i * io.size(), io.size()).toArray(ValueLayout.JAVA_BYTE);
                    long t0 = trace != null ? System.nanoTime() : 0;
                    Bus.Mapping m = pio.write(io.port(), data);
                    account(m, "unhandled-pio");
                    trace(vcpu, ExitTrace.Access.OUT, io.port(), data, m, t0);
                }
                yield VcpuAction.CONTINUE;
            }
            case VcpuExit.IoIn io -> {
                for (int i = 0; i < io.count(); i++) {
                    byte[] data = new byte[io.size()];
                    long t0 = trace != null ? System.nanoTime() : 0;
                    Bus.Mapping m = pio.read(io.port(), data);
                    if (m == null) {
                        java.util.Arrays.fill(data, (byte) 0xff);
                    }
                    account(m, "unhandled-pio");
                    MemorySegment.copy(data, 0, io.data(), ValueLayout.JAVA_BYTE, (long) i * io.size(), io.size());
                    trace(vcpu, ExitTrace.Access.IN, io.port(), data, m, t0);
                }
                yield VcpuAction.CONTINUE;
            }
            case VcpuExit.MmioWrite w -> {
                byte[] data = w.data().toArray(ValueLayout.JAVA_BYTE);
                long t0 = trace != null ? System.nanoTime() : 0;
                Bus.Mapping m = mmio.write(w.address(), data);
                account(m, "unhandled-mmio");
                trace(vcpu, ExitTrace.Access.MMIO_WRITE, w.address(), data, m, t0);
                yield VcpuAction.CONTINUE;
            }
            case VcpuExit.MmioRead r -> {
                byte[] data = new byte[r.len()];
                long t0 = trace != null ? System.nanoTime() : 0;
                Bus.Mapping m = mmio.read(r.address(), data);
                if (m == null) {
                    java.util.Arrays.fill(data, (byte) 0xff);
                }
                account(m, "unhandled-mmio");
                MemorySegment.copy(data, 0, r.data(), ValueLayout.JAVA_BYTE, 0, data.length);
                trace(vcpu, ExitTrace.Access.MMIO_READ, r.address(), data, m, t0);
                yield VcpuAction.CONTINUE;
            }
            case VcpuExit.Intr i -> VcpuAction.CONTINUE;
            case VcpuExit.Hlt h -> {
                if (trace != null) {
                    trace.halt(vcpu.id());
                }
                yield new VcpuAction.Halt();
            }
            case VcpuExit.Shutdown s -> new VcpuAction.Stop(MachineExit.failure(
                    "vcpu-" + vcpu.id() + ": triple fault (KVM_EXIT_SHUTDOWN) at " + where(vcpu)
                            + " — the guest hit an exception it could not handle"));
            case VcpuExit.InternalError e -> new VcpuAction.Stop(MachineExit.failure(internalError(vcpu, e)));
            case VcpuExit.FailEntry f -> new VcpuAction.Stop(MachineExit.failure(
                    "vcpu-" + vcpu.id() + ": VM entry failed, hardware reason 0x" + Long.toHexString(f.reason())
                            + " — the initial CPU state is invalid for this host"));
            case VcpuExit.SystemEvent e -> switch (e.type()) {
                case VcpuExit.SystemEvent.KVM_SYSTEM_EVENT_SHUTDOWN -> new VcpuAction.Stop(MachineExit.ok("guest powered off"));
                case VcpuExit.SystemEvent.KVM_SYSTEM_EVENT_RESET -> new VcpuAction.Stop(MachineExit.ok("guest reset"));
                default -> new VcpuAction.Stop(MachineExit.failure("guest reported a crash (system event " + e.type() + ")"));
            };
            case VcpuExit.Unknown u -> new VcpuAction.Stop(MachineExit.failure(
                    "vcpu-" + vcpu.id() + ": unexpected KVM exit reason " + u.reason() + " at " + where(vcpu)));
        };
    }

    private void account(Bus.Mapping m, String unhandled) {
        stats.countDevice(m != null ? m.name() : unhandled);
    }

    /** Reports one access to the trace; {@code t0} is when the bus access began (its time, for the summary). */
    private void trace(VcpuView vcpu, ExitTrace.Access access, long address, byte[] data, Bus.Mapping m, long t0) {
        if (trace != null) {
            trace.access(vcpu.id(), access, address, data, m, System.nanoTime() - t0);
        }
    }

    private String internalError(VcpuView vcpu, VcpuExit.InternalError e) {
        String what = switch (e.suberror()) {
            case VcpuExit.InternalError.KVM_INTERNAL_ERROR_EMULATION -> "emulation failure";
            case VcpuExit.InternalError.KVM_INTERNAL_ERROR_SIMUL_EX -> "exception while delivering an exception";
            case VcpuExit.InternalError.KVM_INTERNAL_ERROR_DELIVERY_EV -> "event delivery failure";
            default -> "suberror " + e.suberror();
        };
        String hint = e.suberror() == VcpuExit.InternalError.KVM_INTERNAL_ERROR_EMULATION
                ? " — this host's KVM cannot emulate that instruction; on emulating hosts clear the CPU feature "
                  + "that makes the guest use it (see docs/emulating-hosts.md)"
                : "";
        return "vcpu-" + vcpu.id() + ": KVM internal error (" + what + ") at " + where(vcpu) + hint;
    }

    /** "rip 0x... (phys 0x...) bytes 0f 0b ..." as far as it can be read. */
    private String where(VcpuView vcpu) {
        long rip;
        try {
            rip = vcpu.rip();
        } catch (RuntimeException e) {
            return "unknown rip (" + e.getMessage() + ")";
        }
        StringBuilder sb = new StringBuilder("rip 0x").append(Long.toHexString(rip));
        long phys;
        try {
            phys = vcpu.translate(rip);
        } catch (RuntimeException e) {
            phys = -1;
        }
        if (phys < 0) {
            return sb.append(" (not mapped)").toString();
        }
        sb.append(" (phys 0x").append(Long.toHexString(phys)).append(')');
        try {
            byte[] insn = new byte[INSN_BYTES];
            memory.read(GuestAddress.of(phys), insn, 0, insn.length);
            sb.append(" bytes ").append(HexFormat.ofDelimiter(" ").formatHex(insn));
        } catch (GuestMemoryException e) {
            sb.append(" (instruction bytes outside guest memory)");
        }
        return sb.toString();
    }
}
