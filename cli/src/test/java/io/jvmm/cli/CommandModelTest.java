package io.jvmm.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The picocli models that module picocli-model's annotation processor generates (what {@link Main} runs) against
 * the models picocli builds by reflection from the same annotations: every command, option and parameter with
 * every attribute, the usage messages, and the values a parse leaves in the command objects.
 */
class CommandModelTest {
    /** Every command: the reflective tree and the generated one, described line by line. */
    @Test
    void generatedModelsEqualPicocliReflection() {
        CommandLine reflective = new CommandLine(new Main());
        Main.SUBCOMMANDS.forEach((name, ignored) -> reflective.addSubcommand(name, reflectiveCommand(name)));
        CommandLine generated = Main.commandLine();
        assertTrue(generated.getSubcommands().get("run").getCommandSpec().userObject() instanceof RunCommand);

        String expected = describe(reflective.getCommandSpec());
        // jvmm's help command is picocli's, declared in jvmm (HelpSubcommand): the same model under another class name.
        String actual = describe(generated.getCommandSpec())
                .replace(HelpSubcommand.class.getName(), CommandLine.HelpCommand.class.getName());
        if (System.getProperty("jvmm.model.dump") != null) {
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("jvmm.model.dump") + ".expected"), expected);
                java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("jvmm.model.dump") + ".actual"), actual);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        assertEquals(expected, actual);
        // The description covers what matters: 80+ options, each with a line of attributes.
        assertTrue(expected.lines().filter(l -> l.startsWith("  option ")).count() > 80, expected);
    }

    /** A changed attribute shows in the description (so the comparison above can fail). */
    @Test
    void descriptionSeesEveryAttributeChange() {
        CommandSpec spec = new CommandLine(new RunCommand()).getCommandSpec();
        String before = describe(spec);
        OptionSpec kernel = spec.findOption("--kernel");
        spec.remove(kernel);
        spec.addOption(OptionSpec.builder(kernel).hidden(true).build());
        assertNotEquals(before, describe(spec));
    }

    /** The same command lines leave the same values in the command objects, through either model. */
    @Test
    void parsesTheSameWay() throws Exception {
        String[][] lines = {
                {"-v", "-v", "run", "--kernel", "k.bin", "--kernel-format", "raw", "--cpus", "2", "--cpu-clear", "a,b",
                        "--disk", "d1", "--disk", "d2,ro", "--trace-exits", "--profile-guest", "--rng", "--timeout", "5"},
                {"run", "--trace-exits", "summary", "--profile-guest", "5", "--net", "tap=t0", "--memory", "64M"},
                {"bench", "--systems", "java,empty", "--runs", "3", "--density", "--density-idle", "1.5"},
                {"serve", "--api-sock", "/tmp/x.sock", "--no-api", "--config-file", "c.json"},
                {"images", "build", "--profile", "acpi", "--force", "--cache-dir", "/tmp/c"},
                {"snapshot", "show", "/tmp/snap"},
                {"jail", "--id", "vm1", "--uid", "1000", "--gid", "1000", "run", "--kernel", "k"},
                {"jail-init", "--root", "/r", "--uid", "1", "--gid", "2", "--", "/bin/sh", "-c", "x"},
                {"jail-probe", "--connect", "h:1", "--hold", "extra", "--unknown"},
                {"bench-clones", "--restore", "/s", "--count", "3"},
        };
        for (String[] line : lines) {
            String named = line[0].startsWith("-") ? line[2] : line[0];
            CommandLine reflective = new CommandLine(new Main());
            reflective.addSubcommand(named, reflectiveCommand(named));
            if (named.equals("jail")) {
                reflective.getSubcommands().get("jail").setStopAtPositional(true);
            }
            CommandLine generated = Main.commandLine(line);
            CommandLine.ParseResult r = reflective.parseArgs(line);
            CommandLine.ParseResult g = generated.parseArgs(line);
            assertEquals(values(r), values(g), String.join(" ", line));
            assertEquals(Logging.verbosity(), line[0].equals("-v") ? 2 : 0, "the -v method option was called");
            Logging.setVerbosity(0);
        }
    }

    /** {@code jvmm help}, {@code help run}, {@code help nope}: the same output and status as picocli's HelpCommand. */
    @Test
    void helpCommandAnswersAsPicocliDoes() {
        for (String[] line : new String[][] {{"help"}, {"help", "run"}, {"help", "images"}, {"help", "nope"}, {"help", "-h"}}) {
            CommandLine reflective = new CommandLine(new Main());
            Main.SUBCOMMANDS.forEach((name, ignored) -> reflective.addSubcommand(name, reflectiveCommand(name)));
            CommandLine generated = Main.commandLine(line);
            java.io.StringWriter r = new java.io.StringWriter();
            java.io.StringWriter g = new java.io.StringWriter();
            java.io.StringWriter rErr = new java.io.StringWriter();
            java.io.StringWriter gErr = new java.io.StringWriter();
            reflective.setOut(new java.io.PrintWriter(r)).setErr(new java.io.PrintWriter(rErr));
            generated.setOut(new java.io.PrintWriter(g)).setErr(new java.io.PrintWriter(gErr));
            int rStatus = reflective.execute(line);
            int gStatus = generated.execute(line);
            assertEquals(rStatus, gStatus, String.join(" ", line));
            assertEquals(r.toString(), g.toString(), String.join(" ", line));
            assertEquals(rErr.toString(), gErr.toString(), String.join(" ", line));
            assertTrue(!g.toString().isEmpty() || !gErr.toString().isEmpty(), "help printed something");
        }
    }

    private static Object reflectiveCommand(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "serve" -> new io.jvmm.cli.api.ServeCommand();
            case "images" -> new ImagesCommand();
            case "snapshot" -> new SnapshotCommand();
            case "jail" -> new JailCommand();
            case "jail-init" -> new JailInitCommand();
            case "jail-probe" -> new JailProbeCommand();
            case "bench" -> new io.jvmm.cli.bench.BenchCommand();
            case "bench-clones" -> new io.jvmm.cli.bench.CloneHostCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException("a new subcommand: add it to this test: " + name);
        };
    }

    /** The fields of every command object a parse reached (and of their mixins), by name. */
    private static List<String> values(CommandLine.ParseResult result) throws IllegalAccessException {
        List<String> out = new ArrayList<>();
        for (CommandLine cl : result.asCommandLineList()) {
            Object command = cl.getCommandSpec().userObject();
            describeFields(command, out, 0);
            out.add("unmatched " + cl.getUnmatchedArguments());
        }
        return out;
    }

    private static void describeFields(Object o, List<String> out, int depth) throws IllegalAccessException {
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getType() == CommandSpec.class) {
                continue;
            }
            f.setAccessible(true);
            Object v = f.get(o);
            if (v != null && v.getClass().getName().startsWith("io.jvmm.cli") && depth == 0) {
                describeFields(v, out, depth + 1);   // a mixin
            } else {
                out.add(o.getClass().getSimpleName() + "." + f.getName() + " = "
                        + (v instanceof Object[] a ? Arrays.toString(a) : v instanceof boolean[] b ? Arrays.toString(b) : v));
            }
        }
    }

    // ---- the description of a model ----

    static String describe(CommandSpec spec) {
        StringBuilder b = new StringBuilder();
        describe(spec, b);
        return b.toString();
    }

    private static void describe(CommandSpec s, StringBuilder b) {
        b.append("command ").append(s.qualifiedName()).append(" name=").append(s.name())
                .append(" aliases=").append(Arrays.toString(s.aliases()))
                .append(" version=").append(Arrays.toString(s.version()))
                .append(" mixinStandardHelpOptions=").append(s.mixinStandardHelpOptions())
                .append(" helpCommand=").append(s.helpCommand())
                .append(" mixins=").append(s.mixins().keySet())
                .append(" unmatched=").append(s.unmatchedArgsBindings().size())
                .append(" specElements=").append(s.specElements().size())
                .append(" subcommands=").append(s.subcommands().keySet())
                .append(" userObject=").append(s.userObject() == null ? null : s.userObject().getClass().getName())
                .append(" exitCodes=").append(s.exitCodeOnSuccess()).append('/').append(s.exitCodeOnUsageHelp())
                .append('/').append(s.exitCodeOnInvalidInput()).append('/').append(s.exitCodeOnExecutionException())
                .append(" interpolate=").append(s.interpolateVariables())
                .append(" subcommandsRepeatable=").append(s.subcommandsRepeatable())
                .append(" scope=").append(s.scopeType())
                .append('\n');
        CommandLine.Model.UsageMessageSpec u = s.usageMessage();
        b.append("  usage hidden=").append(u.hidden()).append(" sortOptions=").append(u.sortOptions())
                .append(" abbreviateSynopsis=").append(u.abbreviateSynopsis()).append(" width=").append(u.width())
                .append(" autoWidth=").append(u.autoWidth()).append(" showDefaultValues=").append(u.showDefaultValues())
                .append(" showEndOfOptions=").append(u.showEndOfOptionsDelimiterInUsageHelp())
                .append(" sections=").append(u.sectionKeys()).append('\n');
        b.append(new CommandLine(s).getUsageMessage(CommandLine.Help.Ansi.OFF)).append('\n');
        for (OptionSpec o : s.options()) {
            b.append("  option ").append(Arrays.toString(o.names()))
                    .append(" usageHelp=").append(o.usageHelp()).append(" versionHelp=").append(o.versionHelp())
                    .append(" negatable=").append(o.negatable()).append(" fallback=").append(o.fallbackValue())
                    .append(" order=").append(o.order());
            describeArg(o, b);
        }
        for (PositionalParamSpec p : s.positionalParameters()) {
            b.append("  parameter index=").append(p.index());
            describeArg(p, b);
        }
        for (Map.Entry<String, CommandSpec> m : s.mixins().entrySet()) {
            // toString names the mixin's member; a mixin object without one prints its identity hash: left out.
            b.append("  mixin ").append(m.getKey()).append(' ').append(m.getValue().toString().replaceAll("@[0-9a-f]+", "@…"))
                    .append('\n');
        }
        for (CommandLine sub : s.subcommands().values()) {
            describe(sub.getCommandSpec(), b);
        }
    }

    private static void describeArg(ArgSpec a, StringBuilder b) {
        b.append(" arity=").append(a.arity()).append(" arityUnspecified=").append(a.arity().isUnspecified())
                .append(" required=").append(a.required()).append(" paramLabel=").append(a.paramLabel())
                .append(" hideParamSyntax=").append(a.hideParamSyntax()).append(" hidden=").append(a.hidden())
                .append(" inherited=").append(a.inherited()).append(" scope=").append(a.scopeType())
                .append(" interactive=").append(a.interactive()).append(" echo=").append(a.echo())
                .append(" split=").append(a.splitRegex()).append(" default=").append(a.defaultValue())
                .append(" showDefault=").append(a.showDefaultValue())
                .append(" hasInitialValue=").append(a.hasInitialValue()).append(" initialValue=").append(a.initialValue())
                .append(" description=").append(Arrays.toString(a.description()))
                .append(" descriptionKey=").append(a.descriptionKey())
                .append(" type=").append(a.type().getName()).append(" aux=").append(Arrays.toString(a.auxiliaryTypes()))
                .append(" converters=").append(a.converters().length)
                .append(" completion=").append(a.completionCandidates())
                .append(" preprocessor=").append(a.preprocessor().getClass().getName())
                .append(" consumer=").append(a.parameterConsumer())
                .append(" toString=").append(a);
        ITypeInfo t = a.typeInfo();
        b.append(" typeInfo=").append(t.getClassName()).append(' ').append(t.isBoolean()).append(t.isMultiValue())
                .append(t.isOptional()).append(t.isArray()).append(t.isCollection()).append(t.isMap()).append(t.isEnum())
                .append(' ').append(t.getActualGenericTypeArguments()).append(' ').append(t.getEnumConstantNames());
        for (ITypeInfo aux : t.getAuxiliaryTypeInfos()) {
            b.append(" auxInfo=").append(aux.getClassName()).append(Arrays.toString(aux.getAuxiliaryTypes()))
                    .append(aux.isBoolean()).append(aux.isMultiValue());
        }
        b.append('\n');
    }
}
