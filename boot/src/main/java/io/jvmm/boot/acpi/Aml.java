package io.jvmm.boot.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small writer of ACPI Machine Language (ACPI 6.5 §20.2, "AML Grammar Definition"): each method returns
 * the bytes of one term, and terms nest by passing bytes in. Enough for a DSDT that names devices and
 * their resources; no methods, no operators. Encodings, with their opcodes:
 *
 * <pre>
 *   NameOp 0x08 NameString DataRefObject              Name (_HID, "LNRO0005")
 *   ScopeOp 0x10 PkgLength NameString TermList        Scope (\_SB) { ... }
 *   ExtOpPrefix 0x5B DeviceOp 0x82 PkgLength NameString TermList
 *   PackageOp 0x12 PkgLength NumElements(byte) PackageElementList
 *   BufferOp 0x11 PkgLength BufferSize(Integer) ByteList
 *   StringPrefix 0x0D ASCII... 0x00
 *   ZeroOp 0x00  OneOp 0x01  OnesOp 0xFF
 *   BytePrefix 0x0A u8  WordPrefix 0x0B u16  DWordPrefix 0x0C u32  QWordPrefix 0x0E u64
 *
 *   PkgLength (§20.2.4): the length of the package, its own bytes included.
 *     under 64:  one byte, bits 5-0 the length
 *     else:      lead byte bits 7-6 = count of following bytes (1-3), bits 3-0 = the low nibble;
 *                following bytes hold bits 4.., least significant first (up to 2^28 - 1)
 *
 *   NameString (§20.2.2): optional RootChar '\' (0x5C) or ParentPrefixChar '^' (0x5E) prefixes, then
 *     one NameSeg (4 chars, '_'-padded), DualNamePrefix 0x2E + 2 segs, or MultiNamePrefix 0x2F count + segs
 * </pre>
 */
public final class Aml {
    private Aml() {
    }

    public static final int ZERO_OP = 0x00;
    public static final int ONE_OP = 0x01;
    public static final int NAME_OP = 0x08;
    public static final int BYTE_PREFIX = 0x0A;
    public static final int WORD_PREFIX = 0x0B;
    public static final int DWORD_PREFIX = 0x0C;
    public static final int STRING_PREFIX = 0x0D;
    public static final int QWORD_PREFIX = 0x0E;
    public static final int SCOPE_OP = 0x10;
    public static final int BUFFER_OP = 0x11;
    public static final int PACKAGE_OP = 0x12;
    public static final int DUAL_NAME_PREFIX = 0x2E;
    public static final int MULTI_NAME_PREFIX = 0x2F;
    public static final int EXT_OP_PREFIX = 0x5B;
    public static final int DEVICE_OP = 0x82;
    public static final int ROOT_CHAR = 0x5C;
    public static final int PARENT_PREFIX_CHAR = 0x5E;
    public static final int ONES_OP = 0xFF;
    /** The largest PkgLength: 4 bits in the lead byte and 3 bytes more. */
    public static final int MAX_PKG_LENGTH = (1 << 28) - 1;

    /** {@code Name (name, value)}. */
    public static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** {@code Scope (name) { terms }}. */
    public static byte[] scope(String name, byte[]... terms) {
        return concat(new byte[] {SCOPE_OP}, pkg(concat(nameString(name), concat(terms))));
    }

    /** {@code Device (name) { terms }}. */
    public static byte[] device(String name, byte[]... terms) {
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkg(concat(nameString(name), concat(terms))));
    }

    /** {@code Package () { elements }}: at most 255 elements (the DefPackage form). */
    public static byte[] packageOf(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("aml: package of " + elements.length + " elements; at most 255");
        }
        return concat(new byte[] {PACKAGE_OP}, pkg(concat(new byte[] {(byte) elements.length}, concat(elements))));
    }

    /** {@code Buffer () { bytes }}. */
    public static byte[] buffer(byte[] bytes) {
        return concat(new byte[] {BUFFER_OP}, pkg(concat(integer(bytes.length), bytes)));
    }

    /** An ASCII string (no NUL inside). */
    public static byte[] string(String s) {
        byte[] ascii = s.getBytes(StandardCharsets.US_ASCII);
        for (byte b : ascii) {
            if (b < 0x01 || b > 0x7f) {
                throw new IllegalArgumentException("aml: string \"" + s + "\" has a byte outside 0x01-0x7f");
            }
        }
        return concat(new byte[] {STRING_PREFIX}, ascii, new byte[] {0});
    }

    /** An integer in its shortest encoding: ZeroOp, OneOp, OnesOp (only for 2^64-1), or a prefixed constant. */
    public static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        }
        if (v == 1) {
            return new byte[] {ONE_OP};
        }
        if (v == -1) {
            return new byte[] {(byte) ONES_OP};
        }
        if ((v & ~0xffL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        }
        if ((v & ~0xffffL) == 0) {
            return le(WORD_PREFIX, v, 2);
        }
        if ((v & ~0xffff_ffffL) == 0) {
            return le(DWORD_PREFIX, v, 4);
        }
        return le(QWORD_PREFIX, v, 8);
    }

    /**
     * A compressed EISA ID as iasl's {@code EISAID ("PNP0501")} makes it: three letters of 5 bits each
     * ('A' = 1) and four hex digits, in a 32-bit big-endian value, encoded as a DWord integer.
     */
    public static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("aml: EISA ID \"" + id + "\" is not three capitals and four hex digits");
        }
        int v = ((id.charAt(0) - 0x40) << 26) | ((id.charAt(1) - 0x40) << 21) | ((id.charAt(2) - 0x40) << 16)
                | Integer.parseInt(id.substring(3), 16);
        return le(DWORD_PREFIX, Integer.reverseBytes(v) & 0xffff_ffffL, 4);
    }

    /** A NameString: {@code \_SB_.V000}, {@code _HID}, {@code ^COM1}; short segments padded with '_'. */
    public static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        if (path.startsWith("\\")) {
            out.write(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.write(PARENT_PREFIX_CHAR);
                i++;
            }
        }
        String rest = path.substring(i);
        String[] segs = rest.isEmpty() ? new String[0] : rest.split("\\.", -1);
        switch (segs.length) {
            case 0 -> out.write(0x00); // NullName
            case 1 -> { }
            case 2 -> out.write(DUAL_NAME_PREFIX);
            default -> {
                if (segs.length > 255) {
                    throw new IllegalArgumentException("aml: name \"" + path + "\" has more than 255 segments");
                }
                out.write(MULTI_NAME_PREFIX);
                out.write(segs.length);
            }
        }
        for (String s : segs) {
            out.writeBytes(nameSeg(s, path));
        }
        return out.toByteArray();
    }

    /** {@code PkgLength} followed by {@code content}. */
    public static byte[] pkg(byte[] content) {
        return concat(pkgLength(content.length), content);
    }

    /** The PkgLength encoding for a package whose content (after the PkgLength) has {@code contentLength} bytes. */
    public static byte[] pkgLength(int contentLength) {
        if (contentLength + 1 < 0x40) {
            return new byte[] {(byte) (contentLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            long total = (long) contentLength + 1 + extra;
            if (total < 1L << (4 + 8 * extra)) {
                byte[] out = new byte[1 + extra];
                out[0] = (byte) (extra << 6 | (total & 0x0f));
                for (int b = 0; b < extra; b++) {
                    out[1 + b] = (byte) (total >>> (4 + 8 * b));
                }
                return out;
            }
        }
        throw new IllegalArgumentException("aml: package of " + contentLength + " bytes is longer than PkgLength holds ("
                + MAX_PKG_LENGTH + ")");
    }

    private static byte[] nameSeg(String seg, String path) {
        if (seg.isEmpty() || seg.length() > 4 || !seg.matches("[A-Z_][A-Z0-9_]*")) {
            throw new IllegalArgumentException("aml: name segment \"" + seg + "\" of \"" + path
                    + "\" is not 1-4 of A-Z, 0-9, _ (not starting with a digit)");
        }
        return (seg + "___".substring(0, 4 - seg.length())).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] le(int prefix, long v, int bytes) {
        byte[] out = new byte[1 + bytes];
        out[0] = (byte) prefix;
        for (int i = 0; i < bytes; i++) {
            out[1 + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
