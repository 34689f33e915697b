package io.jvmm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of the {@code jvmm} command. Logs go to stderr (WARN by default, {@code -v} INFO,
 * {@code -vv} DEBUG with stack traces); guest console output goes to stdout.
 */
@Command(name = "jvmm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A virtual machine monitor for Linux/KVM.",
        subcommands = {RunCommand.class, io.jvmm.cli.api.ServeCommand.class, ImagesCommand.class, SnapshotCommand.class, io.jvmm.cli.bench.BenchCommand.class, io.jvmm.cli.bench.CloneHostCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = "-v", description = "More log output on stderr: -v info, -vv debug (with stack traces).",
            scope = CommandLine.ScopeType.INHERIT)
    void verbose(boolean[] flags) {
        Logging.setVerbosity(flags.length);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the process exit status (for tests and the launcher). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(ErrorHandler::parameterError);
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"jvmm " + p.getProperty("version", "dev") + " (Java " + Runtime.version() + ")"};
        }
    }
}
