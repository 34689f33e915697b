package io.jvmm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user tries first: {@code printf 'uname -a\nexit\n' | jvmm run}. The input is piped in long
 * before the guest's shell (or even its serial driver) is ready; none of it may be lost.
 */
@Tag("boot")
class PipedInputBootTest {
    /** uname -a as the guest computes it; the kernel's own "Linux version 6.1..." banner does not match. */
    static final Pattern UNAME = Pattern.compile("(?m)^Linux (?!version )\\S+ 6\\.1\\.\\d+ #\\S+ .*x86_64.*$");

    @BeforeAll
    static void needImageAndKvm() {
        BootLinuxTest.needImageAndKvm();
    }

    @Test
    @Timeout(value = BootLinuxTest.BOOT_TIMEOUT_S + 60, unit = TimeUnit.SECONDS)
    void pipedCommandsRunInTheGuestShellAndExitEndsTheMachine() throws Exception {
        var r = JvmmProcess.run(BootLinuxTest.BOOT_TIMEOUT_S, "uname -a\nexit\n".getBytes(StandardCharsets.US_ASCII), "run");
        String out = r.stdout();
        String tail = out.length() > 3000 ? out.substring(out.length() - 3000) : out;
        assertTrue(UNAME.matcher(out).find(), "no uname line from the guest:\n" + tail + "\n" + r.stderr());
        assertEquals(0, r.status(), "exit status; stderr:\n" + r.stderr());
    }
}
