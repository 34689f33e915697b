package io.jvmm.cli;

import io.jvmm.machine.JailRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jvmm jail-init} (hidden): the third step of {@code jvmm jail}, in the JVM that becomes the VMM.
 * Started as root inside the jail's namespaces with the jail's tree mounted, it pivots into it, drops to
 * the jail's uid and gid, and only then runs its command ({@code run ...}), before any machine or guest
 * exists. The seccomp filter {@code run} installs later refuses pivot_root, mount and the rest for good.
 */
@Command(name = "jail-init", hidden = true, description = "A step of jvmm jail; not for direct use.")
final class JailInitCommand implements Callable<Integer> {
    /**
     * The logger, made on first use: `jvmm --help` builds this command's model without running it, and a logger
     * made at class initialisation would start Logback there (~30 ms of a ~100 ms start).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(JailInitCommand.class);
    }

    @Option(names = "--root", required = true)
    Path root;

    @Option(names = "--uid", required = true)
    String uid;

    @Option(names = "--gid", required = true)
    String gid;

    @Parameters(arity = "1..*")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (!Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0)) {
            throw new UserError("jail-init is a step of jvmm jail, run as root inside its namespaces; use jvmm jail");
        }
        try {
            Log.LOG.info(JailRoot.enter(root, JailCommand.id(uid, "--uid"), JailCommand.id(gid, "--gid")));
        } catch (IllegalStateException e) {
            throw new UserError(e.getMessage(), ErrorHandler.EXIT_FAILURE);
        }
        return Main.run(command.toArray(String[]::new));
    }
}
