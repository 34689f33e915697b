package io.jvmm.core.sys;

import io.jvmm.core.kvm.Kvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The VMM's seccomp filter in a child JVM ({@link SeccompChild}; a filter cannot be taken off the test
 * JVM): a tiny guest runs under it, and a thread started after it is refused execve, fork, mount,
 * ptrace and the rest. The same child without the filter is the control: the same calls then fail for
 * other reasons (ENOENT, ESRCH) or succeed.
 */
@Tag("kvm")
@Timeout(120)
class SeccompProcessTest {
    private static void assumeKvm() {
        Path dev = Path.of(Kvm.DEV_KVM);
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "no usable /dev/kvm: KVM tests skipped");
    }

    @Test
    void underTheFilterTheGuestRunsAndRefusedCallsAnswerEperm() throws Exception {
        assumeKvm();
        Child c = run("filter");
        assertEquals(0, c.status, c.output);
        Map<String, String> r = c.outcomes();
        assertTrue(r.get("installed").startsWith("seccomp filter installed on all threads"), c.output);
        assertEquals("ok status 0", r.get("guest"), c.output);
        assertEquals("EPERM", r.get("execve"), c.output);
        assertEquals("EPERM", r.get("execveat"), c.output);
        assertEquals("EPERM", r.get("mount"), c.output);
        assertEquals("EPERM", r.get("ptrace"), c.output);
        assertEquals("EPERM", r.get("bpf"), c.output);
        assertEquals("ENOSYS", r.get("clone3"), c.output);
        assertEquals("EPERM", r.get("socket-inet"), c.output);
        assertEquals("ok", r.get("socket-unix"), c.output);
        assertEquals("EPERM", r.get("fork"), c.output);
        assertEquals("EPERM", r.get("vfork"), c.output);
        assertEquals("EPERM", r.get("clone-process"), c.output);
        assertEquals("EPERM", r.get("clone-thread-newns"), c.output);
        assertTrue(r.get("processbuilder").startsWith("refused"), c.output);
        assertTrue(r.containsKey("done"), c.output);
    }

    @Test
    void withoutTheFilterTheSameCallsFailForOtherReasons() throws Exception {
        assumeKvm();
        Child c = run("none");
        assertEquals(0, c.status, c.output);
        Map<String, String> r = c.outcomes();
        assertEquals("ok status 0", r.get("guest"), c.output);
        assertEquals("ENOENT", r.get("execve"), c.output);
        assertEquals("ENOENT", r.get("execveat"), c.output);
        assertEquals("ESRCH", r.get("ptrace"), c.output);
        assertEquals("ok", r.get("socket-inet"), c.output);
        assertEquals("ok", r.get("socket-unix"), c.output);
        assertTrue(!r.get("clone3").equals("ENOSYS"), c.output);
        assertEquals("exit 0", r.get("processbuilder"), c.output);
    }

    @Test
    void anX32CallKillsTheProcess() throws Exception {
        assumeKvm();
        Child c = run("x32");
        assertEquals(128 + 31, c.status, "SIGSYS expected: " + c.output); // SIGSYS = 31
        assertTrue(!c.output.contains("x32 survived"), c.output);
    }

    private record Child(int status, String output) {
        Map<String, String> outcomes() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : output.split("\n")) {
                int sp = line.indexOf(' ');
                m.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
            }
            return m;
        }
    }

    /** Runs SeccompChild in a new JVM on this module's classes, test classes and slf4j. */
    private static Child run(String mode) throws Exception {
        List<String> cp = new ArrayList<>();
        for (Class<?> k : List.of(Seccomp.class, SeccompChild.class, org.slf4j.Logger.class)) {
            cp.add(Path.of(k.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", String.join(File.pathSeparator, cp), SeccompChild.class.getName(), mode)
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not end");
        return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
