package io.jvmm.machine;

/**
 * The "hello" flat-binary guest: the empty VM whose lifecycle the benchmark and the tests measure
 * ({@code jvmm run --kernel-format raw --kernel hello.bin --entry real:0x1000}). The launcher writes the
 * same 20 bytes for its AOT training run.
 */
public final class HelloGuest {
    /** Real mode at 0x1000: prints "hello\n" on COM1 and halts. */
    public static final byte[] REAL_MODE = {
            (byte) 0xba, (byte) 0xf8, 0x03,     // mov dx, 0x3f8
            (byte) 0xb0, 'h', (byte) 0xee,      // mov al, 'h'; out dx, al
            (byte) 0xb0, 'e', (byte) 0xee,      // mov al, 'e'; out dx, al
            (byte) 0xb0, 'l', (byte) 0xee,      // mov al, 'l'; out dx, al
            (byte) 0xee,                        // out dx, al   ('l' again)
            (byte) 0xb0, 'o', (byte) 0xee,      // mov al, 'o'; out dx, al
            (byte) 0xb0, '\n', (byte) 0xee,     // mov al, '\n'; out dx, al
            (byte) 0xf4};                       // hlt

    private HelloGuest() {
    }

    /** A copy of the real-mode image (callers may not change the shared one). */
    public static byte[] realMode() {
        return REAL_MODE.clone();
    }
}
