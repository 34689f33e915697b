package io.jvmm.cli;

import io.jvmm.machine.MachineSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every front end that boots a VM without being told its RAM gives it the machine's default: 128 MiB. */
class MemoryDefaultTest {
    @Test
    void runAndBenchDefaultToTheSpecsMemory() {
        assertEquals(128L << 20, MachineSpec.DEFAULT_MEMORY);
        CommandLine main = Main.commandLine();
        for (String command : new String[] {"run", "bench"}) {
            String dflt = main.getSubcommands().get(command).getCommandSpec().findOption("--memory").defaultValue();
            assertEquals(MachineSpec.DEFAULT_MEMORY, Sizes.parse(dflt, "--memory"), command + " --memory default " + dflt);
        }
    }
}
