package io.jvmm.boot;

/**
 * One segment register as KVM takes it: exactly the fields of Linux {@code struct kvm_segment}
 * (arch/x86/include/uapi/asm/kvm.h), in its order. {@code limit} is the byte-granular limit (a
 * descriptor's 20-bit limit already scaled by 4 KiB when {@code g} is set), as KVM expects.
 *
 * <pre>
 * struct kvm_segment {
 *     __u64 base;  __u32 limit;  __u16 selector;
 *     __u8  type;  __u8 present, dpl, db, s, l, g, avl;
 *     __u8  unusable;  __u8 padding;
 * };
 * </pre>
 */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                      boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

    /** The segment that a GDT descriptor loads into the hidden part of a segment register. */
    public static Segment fromDescriptor(long descriptor, int selector) {
        long base = ((descriptor >>> 16) & 0xff_ffffL) | ((descriptor >>> 32) & 0xff00_0000L);
        int rawLimit = (int) ((descriptor & 0xffff) | ((descriptor >>> 32) & 0xf_0000));
        boolean g = bit(descriptor, 55);
        int limit = g ? (rawLimit << 12) | 0xfff : rawLimit;
        return new Segment(base, limit, selector,
                (int) ((descriptor >>> 40) & 0xf),
                bit(descriptor, 47),
                (int) ((descriptor >>> 45) & 0x3),
                bit(descriptor, 54),
                bit(descriptor, 44),
                bit(descriptor, 53),
                g,
                bit(descriptor, 52),
                !bit(descriptor, 47));
    }

    /** The LDT register at reset: null selector, marked unusable, as KVM reports it. */
    public static Segment unusableLdt() {
        return new Segment(0, 0xffff, 0, Gdt.SEG_TYPE_LDT, true, 0, false, false, false, false, false, true);
    }

    private static boolean bit(long value, int n) {
        return ((value >>> n) & 1) != 0;
    }
}
