package io.jvmm.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SizesTest {
    @Test
    void unitsAndPlainBytes() {
        assertEquals(256L << 20, Sizes.parse("256M", "--memory"));
        assertEquals(1L << 30, Sizes.parse("1g", "--memory"));
        assertEquals(2L << 30, Sizes.parse("2GiB", "--memory"));
        assertEquals(512L << 10, Sizes.parse("512K", "--memory"));
        assertEquals(65536, Sizes.parse("65536", "--memory"));
        assertEquals("256M", Sizes.format(256L << 20));
    }

    @Test
    void nonsenseIsAUserError() {
        assertThrows(UserError.class, () -> Sizes.parse("lots", "--memory"));
        assertThrows(UserError.class, () -> Sizes.parse("-1M", "--memory"));
        assertThrows(UserError.class, () -> Sizes.parse("99999999999T", "--memory"));
        assertThrows(UserError.class, () -> Sizes.parse("", "--memory"));
    }
}
