package io.jvmm.cli.api;

import io.jvmm.cli.Main;
import io.jvmm.cli.ProcessStart;
import io.jvmm.cli.UserError;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.machine.Hypervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code jvmm serve}: Firecracker's command line and REST API over a Unix socket. Its options are the
 * {@code firecracker} binary's, so tools that start Firecracker can start jvmm ({@code bin/firecracker}).
 * The guest's console is this process's stdout; a guest poweroff or reboot ends the process with status 0.
 *
 * <p>The API server ({@link ApiServer}, Jetty) is loaded only here, when the API is asked for.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve Firecracker's REST API on a Unix socket, and/or boot the VM a Firecracker config file describes.",
                "Guest console on stdout; the process ends when the guest powers off or reboots."})
public final class ServeCommand implements Callable<Integer> {
    /**
     * The logger, made on first use: `jvmm --help` builds this command's model without running it, and a logger
     * made at class initialisation would start Logback there (~30 ms of a ~100 ms start).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    }

    /**
     * Sets the JDK's locale provider list to {@code HOST}, unless the user set it: call before anything formats.
     * Jetty's {@code MimeTypes} lists every available locale when it loads: with the JDK's default CLDR data that is
     * 1158 locales, 60-80 ms of a serve start here (docs/benchmarks.md). The documented {@code HOST} provider has no
     * adapter on Linux, so the JDK uses its built-in root/English data: 166 locales. Nothing the API writes depends
     * on the locale (Locale.ROOT throughout). The property is read once, at the first locale lookup.
     */
    public static void useSmallLocaleData() {
        if (System.getProperty("java.locale.providers") == null) {
            System.setProperty("java.locale.providers", "HOST");
        }
    }

    @Option(names = "--api-sock", paramLabel = "PATH", defaultValue = "/run/firecracker.socket",
            description = "The API's Unix socket (must not exist). Default: ${DEFAULT-VALUE}.")
    Path apiSock;

    /** Firecracker's default instance id. */
    static final String DEFAULT_ID = "anonymous-instance";

    @Option(names = "--id", paramLabel = "ID", defaultValue = DEFAULT_ID,
            description = "The microVM's id (GET /). Default: ${DEFAULT-VALUE}.")
    String id;

    @Option(names = "--config-file", paramLabel = "FILE",
            description = "A Firecracker config file (JSON keyed boot-source, drives, machine-config, network-interfaces, "
                    + "entropy, logger, metrics): configure and start the VM at once.")
    Path configFile;

    @Option(names = "--no-api", description = "No API socket (needs --config-file).")
    boolean noApi;

    @Option(names = "--level", paramLabel = "LEVEL", description = "Log level: Error, Warning, Info, Debug, Trace, Off.")
    String level;

    @Option(names = "--log-path", paramLabel = "PATH", description = "Log to this file or FIFO (as well as stderr).")
    String logPath;

    @Option(names = "--show-level", description = "Show the level in --log-path lines.")
    boolean showLevel;

    @Option(names = "--show-log-origin", description = "Show the logger in --log-path lines.")
    boolean showLogOrigin;

    @Option(names = "--boot-timer", description = "Report the guest's boot time (its write to the boot timer port) on stderr.")
    boolean bootTimer;

    @Option(names = "--metrics-path", paramLabel = "PATH", description = "Write metrics as JSON lines to this file or FIFO.")
    String metricsPath;

    @Option(names = "--no-seccomp", description = "Do not install the seccomp filter (installed when the VM starts; see docs/security.md).")
    boolean noSeccomp;

    @Option(names = "--kvm-device", paramLabel = "PATH", defaultValue = Hypervisor.DEV_KVM, hidden = true)
    String kvmDevice;

    @Override
    public Integer call() throws Exception {
        long processStart = ProcessStart.nanos();
        if (noApi && configFile == null) {
            throw new UserError("--no-api needs --config-file (nothing else could configure the VM)");
        }
        if (!noApi && Files.exists(apiSock, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("--api-sock " + apiSock + ": already exists (another VMM's socket? remove it first)");
        }
        String config = null;
        if (configFile != null) {
            try {
                config = Files.readString(configFile);
            } catch (IOException e) {
                throw new UserError("--config-file " + configFile + ": cannot read it (" + e.getMessage() + ")");
            }
        }
        try {
            LogTarget.apply(level, logPath, showLevel, showLogOrigin);
        } catch (ApiException e) {
            throw new UserError(e.getMessage());
        }
        Vmm vmm = new Vmm(id, version(), new KvmBackend(kvmDevice, new FileOutputStream(FileDescriptor.out), processStart,
                bootTimer ? t -> System.err.printf("jvmm: guest boot time: %.1f ms since process start, %.1f ms since VM build start%n",
                        t.sinceProcessStart().toNanos() / 1e6, t.sinceBuildStart().toNanos() / 1e6) : null, noSeccomp));
        if (metricsPath != null) {
            var r = vmm.handle("PUT", "/metrics", ApiValidation.JSON.createObjectNode().put("metrics_path", metricsPath).toString());
            if (r.status() != 204) {
                throw new UserError("--metrics-path " + metricsPath + ": " + ApiValidation.JSON.readTree(r.json()).path("fault_message").asText());
            }
        }
        Shutdown shutdown = new Shutdown(vmm);
        // On SIGTERM/SIGINT the finally below may not run to its end: the hook stops the machine and does the
        // same orderly shutdown (API server stopped, socket removed, metrics written), with or without the API.
        Thread hook = new Thread(() -> {
            vmm.stop(MachineExit.failure("jvmm serve was terminated"));
            shutdown.run();
        }, "vmm-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (!noApi) {
                try {
                    shutdown.server(ApiServer.start(apiSock, vmm));
                } catch (Exception e) {
                    throw new UserError("--api-sock " + apiSock + ": cannot listen (" + e.getMessage() + ")", 1);
                }
                Log.LOG.info("API listening on {}, {} ms after process start", apiSock,
                        (System.nanoTime() - processStart) / 1_000_000);
            }
            if (config != null) {
                try {
                    vmm.applyConfigFile(config);
                } catch (ApiException e) {
                    throw new UserError("--config-file " + configFile + ": " + e.getMessage());
                }
            }
            MachineExit exit = vmm.awaitEnd();
            if (exit.success()) {
                Log.LOG.info("guest ended: {}", exit.reason());
            } else {
                System.err.println("jvmm: " + exit.reason());
            }
            return exit.status();
        } finally {
            shutdown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran
            }
        }
    }

    /**
     * The end of {@code jvmm serve}, once, from whichever comes first: the main thread after the machine ended,
     * or the shutdown hook on SIGTERM/SIGINT (the other caller waits for it to finish). The API server is
     * stopped, not left to the JVM's exit: the JVM waits up to 300 ms at exit (UserThreadWaitAttemptsAtExit)
     * for threads blocked in native code, and Jetty's acceptor and selector threads are.
     */
    private final class Shutdown {
        private final Vmm vmm;
        private ApiServer server;
        private boolean done;

        Shutdown(Vmm vmm) {
            this.vmm = vmm;
        }

        synchronized void server(ApiServer s) {
            server = s;
            if (done) {
                // SIGTERM came while the server started: stop it too (its connector removes the socket file)
                s.close();
            }
        }

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            if (server != null) {
                server.close();
            }
            if (!noApi) {
                deleteSocket();
            }
            vmm.close();
        }
    }

    private void deleteSocket() {
        try {
            Files.deleteIfExists(apiSock);
        } catch (IOException e) {
            System.err.println("jvmm: cannot remove " + apiSock + ": " + e.getMessage());
        }
    }

    static String version() {
        Properties p = new Properties();
        try (var in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // "dev" below
        }
        return p.getProperty("version", "dev");
    }
}
