import io.jvmm.boot.*;
import io.jvmm.core.memory.*;
import java.lang.foreign.*;
import java.nio.*;
import java.nio.file.*;
import java.io.*;

/** Writes mem.bin, state.txt (and cpuid.txt) for run.c; see the comment at the top of run.c. Not part of the build. */
public class Harness {
    static long MEM = 32L << 20;
    public static void main(String[] a) throws Exception {
        boolean pvh = a[0].equals("pvh");
        byte[] kernelFile = a.length > 1 && !a[0].equals("cpuid") ? Files.readAllBytes(Path.of(a[1])) : null; if (a.length > 2 && !a[0].equals("cpuid")) MEM = Long.parseLong(a[2]) << 20;
        byte[] code64 = {0x66, (byte)0xba, (byte)0xf8, 0x03, (byte)0x89, (byte)0xf0, (byte)0xef,
            (byte)0x8b, 0x04, 0x25, 0x02, 0x72, 0x00, 0x00, (byte)0xef,
            (byte)0x8c, (byte)0xc8, (byte)0xef, (byte)0xf4};
        byte[] code32 = {0x66, (byte)0xba, (byte)0xf8, 0x03, (byte)0x89, (byte)0xd8, (byte)0xef,
            (byte)0x8b, 0x03, (byte)0xef, (byte)0x8c, (byte)0xc8, (byte)0xef, (byte)0xf4};
        if (a[0].equals("cpuid")) {
            code64 = new byte[] {(byte)0xb8, 1, 0, 0, 0, 0x31, (byte)0xc9, 0x0f, (byte)0xa2, (byte)0x89, (byte)0xd7,
                0x66, (byte)0xba, (byte)0xf8, 0x03, (byte)0x89, (byte)0xd8, (byte)0xef, (byte)0x89, (byte)0xc8, (byte)0xef,
                (byte)0xb8, 0x0b, 0, 0, 0, (byte)0xb9, 1, 0, 0, 0, 0x0f, (byte)0xa2, (byte)0x89, (byte)0xd7,
                0x66, (byte)0xba, (byte)0xf8, 0x03, (byte)0x89, (byte)0xf8, (byte)0xef, (byte)0x89, (byte)0xd8, (byte)0xef,
                (byte)0xb8, 0, 0, 0, 0x40, 0x31, (byte)0xc9, 0x0f, (byte)0xa2,
                0x66, (byte)0xba, (byte)0xf8, 0x03, (byte)0x89, (byte)0xd8, (byte)0xef, (byte)0xf4};
            java.util.List<io.jvmm.boot.cpu.CpuidEntry> sup = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(Path.of("supported.txt"))) {
                String[] f = line.trim().split(" ");
                sup.add(new io.jvmm.boot.cpu.CpuidEntry(Integer.parseUnsignedInt(f[0]), Integer.parseUnsignedInt(f[1]), Integer.parseUnsignedInt(f[2]),
                    Integer.parseUnsignedInt(f[3]), Integer.parseUnsignedInt(f[4]), Integer.parseUnsignedInt(f[5]), Integer.parseUnsignedInt(f[6])));
            }
            io.jvmm.boot.cpu.CpuProfile p = io.jvmm.boot.cpu.CpuProfile.detect(Path.of("/"));
            System.out.println(p.description());
            StringBuilder t = new StringBuilder();
            for (var e : p.cpuidFor(sup, Integer.parseInt(a[1]), Integer.parseInt(a[2]))) {
                t.append(Integer.toUnsignedString(e.function())).append(' ').append(Integer.toUnsignedString(e.index())).append(' ').append(e.flags()).append(' ')
                 .append(Integer.toUnsignedString(e.eax())).append(' ').append(Integer.toUnsignedString(e.ebx())).append(' ')
                 .append(Integer.toUnsignedString(e.ecx())).append(' ').append(Integer.toUnsignedString(e.edx())).append('\n');
                if (e.function() == 1 || e.function() == 0xb || e.function() == 0x40000000) System.out.println(e);
            }
            Files.writeString(Path.of("cpuid.txt"), t.toString());
            kernelFile = null;
        }
        byte[] image = kernelFile != null ? kernelFile : elf(pvh, code64, code32);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(MEM, 4096);
            GuestMemory m = GuestMemory.of(new GuestRegion(GuestAddress.of(0), seg));
            BootResult r = LinuxLoader.load(m, new BootConfig(image, new byte[100], "console=ttyS0 earlyprintk=ttyS0", 2));
            System.out.println(r.summary());
            try (FileOutputStream f = new FileOutputStream("mem.bin")) { f.write(seg.toArray(ValueLayout.JAVA_BYTE)); }
            CpuState s = r.bootCpu();
            StringBuilder b = new StringBuilder();
            long[] regs = {s.rax(), s.rbx(), s.rcx(), s.rdx(), s.rsi(), s.rdi(), s.rsp(), s.rbp(), s.r8(), s.r9(), s.r10(), s.r11(), s.r12(), s.r13(), s.r14(), s.r15(), s.rip(), s.rflags()};
            for (long v : regs) b.append(v).append(' ');
            b.append('\n');
            for (Segment g : new Segment[]{s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt()}) {
                b.append(g.base()).append(' ').append(Integer.toUnsignedLong(g.limit())).append(' ').append(g.selector()).append(' ').append(g.type())
                 .append(' ').append(g.present()?1:0).append(' ').append(g.dpl()).append(' ').append(g.db()?1:0).append(' ').append(g.s()?1:0)
                 .append(' ').append(g.l()?1:0).append(' ').append(g.g()?1:0).append(' ').append(g.avl()?1:0).append(' ').append(g.unusable()?1:0).append('\n');
            }
            b.append(s.gdt().base()).append(' ').append(s.gdt().limit()).append(' ').append(s.idt().base()).append(' ').append(s.idt().limit()).append('\n');
            b.append(s.cr0()).append(' ').append(s.cr2()).append(' ').append(s.cr3()).append(' ').append(s.cr4()).append(' ').append(s.cr8()).append(' ').append(s.efer()).append('\n');
            Files.writeString(Path.of("state.txt"), b.toString());
        }
    }
    static byte[] elf(boolean pvh, byte[] code64, byte[] code32) {
        long paddr = 0x1000000;
        int phnum = pvh ? 2 : 1, phoff = 64, notesOff = phoff + 56 * phnum, segOff = 0x1000;
        ByteBuffer notes = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        notes.putInt(4).putInt(8).putInt(18).put("Xen\0".getBytes()).putLong(paddr + 0x100);
        ByteBuffer b = ByteBuffer.allocate(segOff + 0x1000).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{0x7f,'E','L','F',2,1,1});
        b.putShort(0x10,(short)2).putShort(0x12,(short)62).putLong(0x18,paddr).putLong(0x20,phoff).putShort(0x36,(short)56).putShort(0x38,(short)phnum);
        b.putInt(phoff,1).putLong(phoff+8,segOff).putLong(phoff+0x10,0xffffffff81000000L).putLong(phoff+0x18,paddr).putLong(phoff+0x20,0x1000).putLong(phoff+0x28,0x2000);
        if (pvh) { int ph = phoff+56; b.putInt(ph,4).putLong(ph+8,notesOff).putLong(ph+0x20,notes.position()); b.put(notesOff, notes.array(), 0, notes.position()); }
        b.put(segOff, code64); b.put(segOff + 0x100, code32);
        return b.array();
    }
}
