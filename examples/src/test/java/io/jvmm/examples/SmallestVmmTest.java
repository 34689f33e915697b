package io.jvmm.examples;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The smallest VMM runs its 20-byte guest and says what it did. */
@Tag("kvm")
@Timeout(60)
class SmallestVmmTest {
    @Test
    void theHelloGuestPrintsHelloInSixExitsAndHalts() {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host: KVM tests skipped");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String printed = SmallestVmm.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals("hello\n", printed);
        String narration = log.toString(StandardCharsets.UTF_8);
        assertTrue(narration.contains("exit 1: KVM_EXIT_IO out 0x3f8 <- 'h'"), narration);
        assertTrue(narration.contains("exit 6: KVM_EXIT_IO out 0x3f8 <- '\\n'"), narration);
        assertTrue(narration.contains("exit 7: KVM_EXIT_HLT"), narration);
    }

    @Test
    void theHelloGuestIsTwentyBytes() {
        assertEquals(20, SmallestVmm.HELLO.length);
    }
}
