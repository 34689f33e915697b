package io.jvmm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code jvmm help [COMMAND]}: what picocli's {@code CommandLine.HelpCommand} does, declared here so that its model
 * is generated like every other command's. picocli's class keeps its option fields private, so its model could only
 * be built by reflection (annotation proxies and all: ~20 ms of a cold {@code jvmm --help}). {@code CommandModelTest}
 * checks that this command's model, usage message and output equal picocli's.
 */
@Command(name = "help", header = "Display help information about the specified command.",
        synopsisHeading = "%nUsage: ", helpCommand = true,
        description = {"%nWhen no COMMAND is given, the usage help for the main command is displayed.",
                "If a COMMAND is specified, the help for that command is shown.%n"})
final class HelpSubcommand implements CommandLine.IHelpCommandInitializable2, Runnable, Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, descriptionKey = "helpCommand.help",
            description = "Show usage help for the help command and exit.")
    boolean helpRequested;

    @Parameters(paramLabel = "COMMAND", arity = "0..1", descriptionKey = "helpCommand.command",
            description = "The COMMAND to display the usage help message for.")
    String commands;

    private CommandLine self;
    private CommandLine.Help.ColorScheme colorScheme;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colorScheme = colorScheme;
        this.out = out;
    }

    @Override
    public void run() {
        call();
    }

    /** The usage of the parent command, or of its subcommand named COMMAND; an unknown name is a usage error. */
    @Override
    public Integer call() {
        CommandLine parent = self == null ? null : self.getParent();
        if (parent == null) {
            return CommandLine.ExitCode.OK;
        }
        CommandLine shown = parent;
        if (commands != null) {
            shown = parent.getSubcommands().get(commands);
            if (shown == null) {
                throw new CommandLine.ParameterException(parent, "Unknown subcommand '" + commands + "'.", null, commands);
            }
        }
        shown.usage(out, colorScheme);
        return shown.getCommandSpec().exitCodeOnUsageHelp();
    }
}
