package io.jvmm.examples;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The smallest VMM runs its 20-byte guest and says what it did. */
@Tag("kvm")
@Timeout(60)
class SmallestVmmTest {
    @Test
    void theHelloGuestPrintsHelloInSixExitsAndHaltsAsTheReadmeShows() throws IOException {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm on this host: KVM tests skipped");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String printed = SmallestVmm.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals("hello\n", printed);
        String narration = log.toString(StandardCharsets.UTF_8);
        assertTrue(narration.contains("exit 1: KVM_EXIT_IO out 0x3f8 <- 'h'"), narration);
        assertTrue(narration.contains("exit 6: KVM_EXIT_IO out 0x3f8 <- '\\n'"), narration);
        assertTrue(narration.contains("exit 7: KVM_EXIT_HLT"), narration);
        // The README shows this run's output line for line (the host address of guest RAM differs per run).
        List<String> shown = readmeOutput();
        List<String> actual = new ArrayList<>(narration.lines().map(SmallestVmmTest::withoutHostAddress).toList());
        actual.add("guest printed: hello");
        assertEquals(shown.stream().map(SmallestVmmTest::withoutHostAddress).toList(), actual);
    }

    /** The fenced block after "What `examples/run SmallestVmm` printed" in examples/README.md. */
    private static List<String> readmeOutput() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md")); // surefire runs in examples/
        int heading = 0;
        while (!lines.get(heading).startsWith("What `examples/run SmallestVmm` printed")) {
            heading++;
        }
        int start = heading + 1;
        while (!lines.get(start).startsWith("```")) {
            start++;
        }
        int end = start + 1;
        while (!lines.get(end).startsWith("```")) {
            end++;
        }
        return lines.subList(start + 1, end);
    }

    private static String withoutHostAddress(String line) {
        return line.replaceAll("memory at 0x[0-9a-f]+", "memory at 0x…");
    }

    @Test
    void theHelloGuestIsTwentyBytes() {
        assertEquals(20, SmallestVmm.HELLO.length);
    }
}
