/**
 * PC legacy devices on the port-I/O and MMIO buses: the 16550A UART ({@link io.jvmm.devices.legacy.Serial},
 * COM1 at 0x3f8), the i8042 keyboard controller used for reset ({@link io.jvmm.devices.legacy.I8042}, 0x60)
 * and the boot timer ({@link io.jvmm.devices.legacy.BootTimer}, MMIO 0xC0000000). None of them knows KVM:
 * they see bus offsets, an interrupt line, an output sink and a clock.
 */
package io.jvmm.devices.legacy;
