package io.jvmm.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Turns any failure into one clear line on stderr and a non-zero exit status. Stack traces only at
 * {@code -vv}. The user sees what failed and, where the cause is predictable, how to fix it.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        report(cl.getErr(), ex);
        return ex instanceof UserError u ? u.status() : EXIT_FAILURE;
    }

    static int parameterError(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println("jvmm: " + ex.getMessage());
        err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return EXIT_USAGE;
    }

    static void report(PrintWriter err, Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = ex.getClass().getSimpleName();
        }
        err.println("jvmm: " + msg.lines().findFirst().orElse(msg));
        if (Logging.verbosity() >= 2) {
            ex.printStackTrace(err);
        }
        err.flush();
    }
}
