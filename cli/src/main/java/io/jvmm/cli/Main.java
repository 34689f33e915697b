package io.jvmm.cli;

import io.jvmm.machine.Hypervisor;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Entry point of the {@code jvmm} command. Logs go to stderr (WARN by default, {@code -v} INFO,
 * {@code -vv} DEBUG with stack traces); guest console output goes to stdout.
 *
 * <p>picocli would build each command's model by reflection over its annotations (through JDK annotation
 * proxies, which the AOT cache cannot hold), the largest part of a cold start. The models are instead built by
 * code generated at compile time ({@code RunCommandModel} and the like, written by module picocli-model's
 * annotation processor; {@code CommandModelTest} proves them equal to picocli's reflection). And only the
 * subcommand named on the command line is added (none for {@code --version}; all of them when none is named, for
 * the usage message, {@code help} and the error that lists the known commands). {@code jvmm --help} prints the usage
 * message rendered at build time ({@link UsageText}).
 */
@Command(name = "jvmm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A virtual machine monitor for Linux/KVM.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order the usage message lists them; the keys are their {@code @Command} names. Each
     * supplies its generated model (a {@code CommandSpec}); {@code help} is {@link HelpSubcommand}, picocli's help
     * command declared here so that its model is generated too.
     */
    static final Map<String, Supplier<CommandSpec>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("run", () -> RunCommandModel.spec(new RunCommand()));
        SUBCOMMANDS.put("serve", () -> io.jvmm.cli.api.ServeCommandModel.spec(new io.jvmm.cli.api.ServeCommand()));
        SUBCOMMANDS.put("images", () -> ImagesCommandModel.spec(new ImagesCommand()));
        SUBCOMMANDS.put("snapshot", () -> SnapshotCommandModel.spec(new SnapshotCommand()));
        SUBCOMMANDS.put("jail", () -> JailCommandModel.spec(new JailCommand()));
        SUBCOMMANDS.put("jail-init", () -> JailInitCommandModel.spec(new JailInitCommand()));   // hidden: a step of jvmm jail
        SUBCOMMANDS.put("jail-probe", () -> JailProbeCommandModel.spec(new JailProbeCommand())); // hidden: tests of jvmm jail
        SUBCOMMANDS.put("bench", () -> io.jvmm.cli.bench.BenchCommandModel.spec(new io.jvmm.cli.bench.BenchCommand()));
        SUBCOMMANDS.put("bench-clones", // hidden: jvmm bench --density
                () -> io.jvmm.cli.bench.CloneHostCommandModel.spec(new io.jvmm.cli.bench.CloneHostCommand()));
        SUBCOMMANDS.put("help", () -> HelpSubcommandModel.spec(new HelpSubcommand()));
    }

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
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h")) && UsageText.printCached(System.out)) {
            return CommandLine.ExitCode.OK;   // rendered at build time (UsageText)
        }
        String named = subcommandNamed(args);
        if ("run".equals(named)) {
            // Link the native calls while picocli and logging start up (measured in docs/benchmarks.md).
            Thread.ofPlatform().name("native-link").daemon(true).start(Hypervisor::linkNativeCalls);
        }
        if ("serve".equals(named)) {
            io.jvmm.cli.api.ServeCommand.useSmallLocaleData();   // before anything formats: see there
        }
        CommandLine cl = commandLine(args);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(ErrorHandler::parameterError);
        return cl.execute(args);
    }

    /** The command line with the subcommand {@code args} names, or with all of them. */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(MainModel.spec(new Main()));
        String named = subcommandNamed(args);
        if (named != null && !named.equals("help") && SUBCOMMANDS.containsKey(named)) {
            cl.addSubcommand(named, SUBCOMMANDS.get(named).get());
        } else if (named == null && versionOnly(args)) {
            // jvmm --version: no subcommand's model is needed
        } else {
            SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        // jvmm jail [OPTIONS] run [RUN OPTIONS]: everything from the first word on is the jailed command's.
        CommandLine jail = cl.getSubcommands().get("jail");
        if (jail != null) {
            jail.setStopAtPositional(true);
        }
        return cl;
    }

    /** True when {@code args} ask for the version and not for the usage message (which lists the subcommands). */
    private static boolean versionOnly(String... args) {
        java.util.List<String> words = java.util.List.of(args);
        return (words.contains("-V") || words.contains("--version")) && !words.contains("-h") && !words.contains("--help");
    }

    /** The first word that is not an option of jvmm itself (-v, -h, -V): the subcommand, or null. */
    private static String subcommandNamed(String... args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
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
