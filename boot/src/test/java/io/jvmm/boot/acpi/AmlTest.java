package io.jvmm.boot.acpi;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The AML writer's encodings against known bytes: the AML that iasl 20200925 (Debian's acpica-tools)
 * compiled from the ASL in each test's comment (the table body after the 36-byte header), and the
 * ACPI 6.5 §20.2 examples where iasl would pick another form (it drops a root prefix at the root).
 */
class AmlTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /*
     * Scope (\_SB) {
     *   Device (COM1) { Name (_HID, EisaId ("PNP0501"))  Name (_UID, One)
     *                   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08, ) IRQNoFlags () {4} }) }
     *   Device (V000) { Name (_HID, "LNRO0005")  Name (_UID, Zero)
     *                   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, 0xC0001000, 0x00001000, )
     *                        Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) {5} }) } }
     * Name (\_S5, Package (0x04) {0x05, 0x05, Zero, Zero})
     * Name (BIG1, 0x12345678)  Name (BIG2, 0x123456789A)  Name (WRD1, 0x1234)  Name (ALL1, Ones)
     * Name (\_SB.V000.XX, "ab")
     */
    private static final String IASL_DSDT_BODY = "104f065f53425f5b822b434f4d31085f4849440c41d00501085f55494401085f43525311100a0d"
            + "4701f803f803010822100079005b823a56303030085f4849440d4c4e524f3030303500085f55494400085f435253111a0a1786"
            + "090001001000c0001000008906000301050000007900085f53355f1208040a050a05000008424947310c78563412084249473"
            + "20e9a7856341200000008575244310b341208414c4c31ff082f035f53425f5630303058585f5f0d616200";

    @Test
    void scopeDevicesResourceTemplatesPackageAndIntegersMatchIasl() {
        byte[] aml = Aml.concat(
                Aml.scope("_SB",
                        Aml.device("COM1",
                                Aml.name("_HID", Aml.eisaId("PNP0501")),
                                Aml.name("_UID", Aml.integer(1)),
                                Aml.name("_CRS", ResourceTemplate.of(ResourceTemplate.io(0x3f8, 0x3f8, 1, 8),
                                        ResourceTemplate.irqNoFlags(4)))),
                        Aml.device("V000",
                                Aml.name("_HID", Aml.string("LNRO0005")),
                                Aml.name("_UID", Aml.integer(0)),
                                Aml.name("_CRS", ResourceTemplate.of(
                                        ResourceTemplate.memory32Fixed(true, 0xc000_1000L, 0x1000),
                                        ResourceTemplate.interrupt(true, false, false, 5))))),
                Aml.name("_S5", Aml.packageOf(Aml.integer(5), Aml.integer(5), Aml.integer(0), Aml.integer(0))),
                Aml.name("BIG1", Aml.integer(0x12345678)),
                Aml.name("BIG2", Aml.integer(0x12_3456_789aL)),
                Aml.name("WRD1", Aml.integer(0x1234)),
                Aml.name("ALL1", Aml.integer(-1)),
                Aml.name("_SB.V000.XX", Aml.string("ab")));
        assertEquals(IASL_DSDT_BODY, HexFormat.of().formatHex(aml));
    }

    /*
     * Name (BUF1, Buffer () {1, 2, 3})
     * Name (PS2K, ResourceTemplate () { IO (Decode16, 0x0060, 0x0060, 0x01, 0x01, )
     *                                   IO (Decode16, 0x0064, 0x0064, 0x01, 0x01, ) IRQNoFlags () {1} })
     */
    @Test
    void buffersMatchIasl() {
        byte[] aml = Aml.concat(
                Aml.name("BUF1", Aml.buffer(new byte[] {1, 2, 3})),
                Aml.name("PS2K", ResourceTemplate.of(ResourceTemplate.io(0x60, 0x60, 1, 1),
                        ResourceTemplate.io(0x64, 0x64, 1, 1), ResourceTemplate.irqNoFlags(1))));
        assertEquals("084255463111060a03010203085053324b11180a15470160006000010147016400640001012202007900",
                HexFormat.of().formatHex(aml));
    }

    @Test
    void nameStrings() {
        assertArrayEquals(hex("5f484944"), Aml.nameString("_HID"));
        assertArrayEquals(hex("5c 5f53425f"), Aml.nameString("\\_SB"));
        assertArrayEquals(hex("5c 2e 5f53425f 56303030"), Aml.nameString("\\_SB.V000"));
        assertArrayEquals(hex("5e5e 434f4d31"), Aml.nameString("^^COM1"));
        assertArrayEquals(hex("5c 00"), Aml.nameString("\\"));
        assertArrayEquals(hex("2f 04 415f5f5f 425f5f5f 435f5f5f 445f5f5f"), Aml.nameString("A.B.C.D"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("1ABC"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("ab"));
    }

    @Test
    void pkgLengthBoundaries() {
        assertArrayEquals(hex("01"), Aml.pkgLength(0));
        assertArrayEquals(hex("3f"), Aml.pkgLength(62));          // 63 with itself: the one-byte maximum
        assertArrayEquals(hex("4104"), Aml.pkgLength(63));        // 65 = 0x041: two bytes
        assertArrayEquals(hex("4fff"), Aml.pkgLength(4095 - 2));  // 0xfff: the two-byte maximum
        assertArrayEquals(hex("810001"), Aml.pkgLength(4094));    // 0x1001: three bytes
        assertArrayEquals(hex("cfffffff"), Aml.pkgLength(Aml.MAX_PKG_LENGTH - 4));
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(Aml.MAX_PKG_LENGTH));
    }

    @Test
    void integersTakeTheShortestForm() {
        assertArrayEquals(hex("00"), Aml.integer(0));
        assertArrayEquals(hex("01"), Aml.integer(1));
        assertArrayEquals(hex("0a02"), Aml.integer(2));
        assertArrayEquals(hex("0aff"), Aml.integer(0xff));
        assertArrayEquals(hex("0b0001"), Aml.integer(0x100));
        assertArrayEquals(hex("0c00000100"), Aml.integer(0x1_0000));
        assertArrayEquals(hex("0e0000000001000000"), Aml.integer(0x1_0000_0000L));
        assertArrayEquals(hex("ff"), Aml.integer(-1));
    }

    @Test
    void eisaIdsAndStrings() {
        assertArrayEquals(hex("0c41d00501"), Aml.eisaId("PNP0501"));
        assertArrayEquals(hex("0c41d00303"), Aml.eisaId("PNP0303"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0501"));
        assertArrayEquals(hex("0d 4c4e524f30303035 00"), Aml.string("LNRO0005"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("a\0b"));
    }

    @Test
    void resourceDescriptorsCheckTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> ResourceTemplate.irqNoFlags(16));
        assertThrows(IllegalArgumentException.class, () -> ResourceTemplate.io(0x10000, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> ResourceTemplate.memory32Fixed(true, 0x1_0000_0000L, 1));
        assertThrows(IllegalArgumentException.class, () -> ResourceTemplate.interrupt(true, false, false));
        // Level, active low, shared: flags 0x0d.
        assertArrayEquals(hex("890a000d02 10000000 11000000"), ResourceTemplate.interrupt(false, true, true, 16, 17));
    }
}
