package io.jvmm.cli.model;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UnmatchedArgsBinding;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;

/** What the generated picocli models call (see {@link Member}). */
public final class Models {
    /** picocli's default factory: instantiates version providers and converters named in annotations. */
    public static final CommandLine.IFactory FACTORY = CommandLine.defaultFactory();

    private Models() {
    }

    /** An option or positional parameter, built by picocli from the member's annotation. */
    public static ArgSpec arg(Member m) {
        if (m.isOption()) {
            OptionSpec.Builder b = OptionSpec.builder(m, FACTORY);
            if (m.isField()) {
                b.initialValue(m.get());
            }
            return b.build();
        }
        PositionalParamSpec.Builder b = PositionalParamSpec.builder(m, FACTORY);
        if (m.isField()) {
            b.initialValue(m.get());
        }
        return b.build();
    }

    /**
     * {@code mixinStandardHelpOptions = true}: adds {@code -h, --help} and {@code -V, --version} as picocli's
     * {@code CommandSpec.mixinStandardHelpOptions(true)} does (under the same mixin name, unless the command has
     * options of those names), but from the generated model of picocli's AutoHelpMixin rather than by reflection.
     * An inherited command needs picocli's own handling (it adds them to subcommands too).
     */
    public static void standardHelpOptions(CommandSpec s) {
        if (s.inherited() || s.scopeType() == CommandLine.ScopeType.INHERIT) {
            s.mixinStandardHelpOptions(true);
            return;
        }
        CommandSpec mixin = StandardHelpModel.mixin();
        for (String name : mixin.optionsMap().keySet()) {
            if (s.optionsMap().containsKey(name)) {
                return;
            }
        }
        s.addMixin(STANDARD_HELP_MIXIN, mixin);
    }

    /** The name picocli gives the standard help options' mixin (what {@code CommandSpec.mixinStandardHelpOptions()} looks for). */
    static final String STANDARD_HELP_MIXIN = "mixinStandardHelpOptions";

    /** An {@code @Unmatched} member, as picocli binds one: a {@code String[]} is set, a {@code List<String>} added to. */
    public static UnmatchedArgsBinding unmatched(Member m) {
        Class<?> t = m.getTypeInfo().getType();
        if (t == String[].class) {
            return UnmatchedArgsBinding.forStringArrayConsumer(m.setter());
        }
        if (m.getTypeInfo().isCollection() && m.getTypeInfo().getActualGenericTypeArguments().equals(List.of(String.class.getName()))) {
            return UnmatchedArgsBinding.forStringCollectionSupplier(m.getter());
        }
        throw new CommandLine.InitializationException("Invalid type for " + m + ": must be either String[] or List<String>");
    }

    /**
     * A class that generated code cannot name because it is private to picocli (the defaults of annotation
     * attributes, such as {@code NoVersionProvider}), which picocli recognises by identity.
     */
    @SuppressWarnings("unchecked")
    public static <T> Class<T> type(String binaryName) {
        try {
            return (Class<T>) Class.forName(binaryName, false, CommandLine.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new CommandLine.InitializationException("picocli has no class " + binaryName + " (another picocli version?)", e);
        }
    }

    /** An instance of a class private to picocli, made by picocli's factory (picocli may reflect on its own classes). */
    public static Object instance(String binaryName) {
        try {
            return FACTORY.create(type(binaryName));
        } catch (Exception e) {
            throw new CommandLine.InitializationException("cannot create picocli's " + binaryName + ": " + e, e);
        }
    }

    /** {@code raw<args...>}: the generic type of a member such as {@code List<String>}, without reflection. */
    public static ParameterizedType generic(Class<?> raw, Class<?>... args) {
        Type[] actual = args.clone();
        return new ParameterizedType() {
            @Override
            public Type[] getActualTypeArguments() {
                return actual.clone();
            }

            @Override
            public Type getRawType() {
                return raw;
            }

            @Override
            public Type getOwnerType() {
                return null;
            }

            @Override
            public String getTypeName() {
                return raw.getTypeName() + Arrays.stream(actual).map(Type::getTypeName)
                        .collect(java.util.stream.Collectors.joining(",", "<", ">"));
            }
        };
    }
}
