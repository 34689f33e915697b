package io.jvmm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jvmm} command. */
@Command(name = "jvmm", mixinStandardHelpOptions = true, version = "jvmm 0.1.0",
        description = "A virtual machine monitor for Linux/KVM.",
        subcommands = {ImagesCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
