package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pins the struct offsets the loader writes against the real kernel headers: compiles a small C
 * program that prints offsetof/sizeof from &lt;asm/bootparam.h&gt; and &lt;linux/kvm.h&gt;. Skips when gcc or
 * the headers (Debian: linux-libc-dev) are missing.
 */
class StructLayoutTest {

    private static final String PROGRAM = """
            #include <stdio.h>
            #include <stddef.h>
            #include <asm/bootparam.h>
            #include <linux/kvm.h>
            #define O(s, f) printf(#s "." #f " %zu\\n", offsetof(struct s, f))
            #define S(s) printf(#s " %zu\\n", sizeof(struct s))
            int main(void) {
                O(boot_params, acpi_rsdp_addr); O(boot_params, ext_ramdisk_image); O(boot_params, ext_ramdisk_size);
                O(boot_params, ext_cmd_line_ptr); O(boot_params, e820_entries); O(boot_params, sentinel);
                O(boot_params, hdr); O(boot_params, e820_table); S(boot_params); S(boot_e820_entry);
                O(setup_header, setup_sects); O(setup_header, boot_flag); O(setup_header, jump);
                O(setup_header, header); O(setup_header, version); O(setup_header, vid_mode);
                O(setup_header, type_of_loader); O(setup_header, loadflags); O(setup_header, code32_start);
                O(setup_header, ramdisk_image); O(setup_header, ramdisk_size); O(setup_header, cmd_line_ptr);
                O(setup_header, initrd_addr_max); O(setup_header, kernel_alignment);
                O(setup_header, relocatable_kernel); O(setup_header, xloadflags); O(setup_header, cmdline_size);
                O(setup_header, pref_address); O(setup_header, init_size); S(setup_header);
                S(kvm_segment); S(kvm_cpuid_entry2);
                return 0;
            }
            """;

    @Test
    void offsetsMatchTheKernelHeaders() throws Exception {
        Map<String, Long> c = compileAndRun();
        assertEquals(BootParams.OFF_ACPI_RSDP_ADDR, c.get("boot_params.acpi_rsdp_addr"));
        assertEquals(BootParams.OFF_EXT_RAMDISK_IMAGE, c.get("boot_params.ext_ramdisk_image"));
        assertEquals(BootParams.OFF_EXT_RAMDISK_SIZE, c.get("boot_params.ext_ramdisk_size"));
        assertEquals(BootParams.OFF_EXT_CMD_LINE_PTR, c.get("boot_params.ext_cmd_line_ptr"));
        assertEquals(BootParams.OFF_E820_ENTRIES, c.get("boot_params.e820_entries"));
        assertEquals(BootParams.OFF_SENTINEL, c.get("boot_params.sentinel"));
        assertEquals(BootParams.OFF_HDR, c.get("boot_params.hdr"));
        assertEquals(BootParams.OFF_E820_TABLE, c.get("boot_params.e820_table"));
        assertEquals(BootParams.BOOT_PARAMS_SIZE, c.get("boot_params"));
        assertEquals(E820.ENTRY_SIZE, c.get("boot_e820_entry"));

        // SetupHeader offsets are file offsets = boot_params offsets = 0x1f1 + offsetof(setup_header, f).
        long hdr = BootParams.OFF_HDR;
        assertEquals(SetupHeader.OFF_SETUP_SECTS, hdr + c.get("setup_header.setup_sects"));
        assertEquals(SetupHeader.OFF_BOOT_FLAG, hdr + c.get("setup_header.boot_flag"));
        assertEquals(SetupHeader.OFF_JUMP, hdr + c.get("setup_header.jump"));
        assertEquals(SetupHeader.OFF_HEADER, hdr + c.get("setup_header.header"));
        assertEquals(SetupHeader.OFF_VERSION, hdr + c.get("setup_header.version"));
        assertEquals(SetupHeader.OFF_VID_MODE, hdr + c.get("setup_header.vid_mode"));
        assertEquals(SetupHeader.OFF_TYPE_OF_LOADER, hdr + c.get("setup_header.type_of_loader"));
        assertEquals(SetupHeader.OFF_LOADFLAGS, hdr + c.get("setup_header.loadflags"));
        assertEquals(SetupHeader.OFF_CODE32_START, hdr + c.get("setup_header.code32_start"));
        assertEquals(SetupHeader.OFF_RAMDISK_IMAGE, hdr + c.get("setup_header.ramdisk_image"));
        assertEquals(SetupHeader.OFF_RAMDISK_SIZE, hdr + c.get("setup_header.ramdisk_size"));
        assertEquals(SetupHeader.OFF_CMD_LINE_PTR, hdr + c.get("setup_header.cmd_line_ptr"));
        assertEquals(SetupHeader.OFF_INITRD_ADDR_MAX, hdr + c.get("setup_header.initrd_addr_max"));
        assertEquals(SetupHeader.OFF_KERNEL_ALIGNMENT, hdr + c.get("setup_header.kernel_alignment"));
        assertEquals(SetupHeader.OFF_RELOCATABLE_KERNEL, hdr + c.get("setup_header.relocatable_kernel"));
        assertEquals(SetupHeader.OFF_XLOADFLAGS, hdr + c.get("setup_header.xloadflags"));
        assertEquals(SetupHeader.OFF_CMDLINE_SIZE, hdr + c.get("setup_header.cmdline_size"));
        assertEquals(SetupHeader.OFF_PREF_ADDRESS, hdr + c.get("setup_header.pref_address"));
        assertEquals(SetupHeader.OFF_INIT_SIZE, hdr + c.get("setup_header.init_size"));
        assertEquals(SetupHeader.SETUP_HEADER_END, hdr + c.get("setup_header"));

        // Record components mirror the C structs field for field (padding aside).
        assertEquals(24, c.get("kvm_segment"));
        assertEquals(12, Segment.class.getRecordComponents().length, "kvm_segment has 12 fields + padding");
        assertEquals(40, c.get("kvm_cpuid_entry2"));
        assertEquals(7, io.jvmm.boot.cpu.CpuidEntry.class.getRecordComponents().length);
    }

    private static Map<String, Long> compileAndRun() throws IOException, InterruptedException {
        assumeTrue(Files.exists(Path.of("/usr/include/x86_64-linux-gnu/asm/bootparam.h"))
                || Files.exists(Path.of("/usr/include/asm/bootparam.h")), "kernel uapi headers not installed: apt-get install linux-libc-dev (or run .ci/install-test-tools)");
        Path dir = Files.createTempDirectory("jvmm-layout");
        try {
            Path src = dir.resolve("layout.c");
            Path exe = dir.resolve("layout");
            Files.writeString(src, PROGRAM);
            Process cc;
            try {
                cc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                assumeTrue(false, "gcc not available (apt-get install gcc, or run .ci/install-test-tools): " + e.getMessage());
                throw e;
            }
            String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assumeTrue(cc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
            assertEquals(0, cc.exitValue(), "gcc failed: " + ccOut);
            Process run = new ProcessBuilder(exe.toString()).start();
            String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            run.waitFor(10, TimeUnit.SECONDS);
            Map<String, Long> values = new HashMap<>();
            for (String line : out.split("\n")) {
                String[] kv = line.split(" ");
                values.put(kv[0], Long.parseLong(kv[1]));
            }
            return values;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
