package io.jvmm.images.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kconfig fragment and the two things the build does with it: merge it over a base
 * {@code .config} (what scripts/kconfig/merge_config.sh does), and, after {@code make
 * olddefconfig} has resolved dependencies, check that every requested value survived —
 * olddefconfig silently drops options whose dependencies are not met.
 *
 * Values are kept as Kconfig writes them: "y", "m", "100", "\"string\"", or {@link #NOT_SET}.
 */
public final class KernelConfig {
    /** Value of an option written as {@code # CONFIG_FOO is not set}. */
    public static final String NOT_SET = "n";

    private static final Pattern SET = Pattern.compile("^(CONFIG_[A-Za-z0-9_]+)=(.*)$");
    private static final Pattern UNSET = Pattern.compile("^# (CONFIG_[A-Za-z0-9_]+) is not set$");

    private final Map<String, String> options;

    private KernelConfig(Map<String, String> options) {
        this.options = options;
    }

    /** Parses a fragment or a whole .config; comments and blank lines are ignored. */
    public static KernelConfig parse(String text) {
        Map<String, String> opts = new LinkedHashMap<>();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            Matcher m = SET.matcher(line);
            Matcher u = UNSET.matcher(line);
            if (m.matches()) {
                opts.put(m.group(1), m.group(2));
            } else if (u.matches()) {
                opts.put(u.group(1), NOT_SET);
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                throw new IllegalArgumentException("kernel config line " + lineNo + " is not an option: " + raw);
            }
        }
        return new KernelConfig(opts);
    }

    public Map<String, String> options() {
        return java.util.Collections.unmodifiableMap(options);
    }

    /**
     * {@code base} without its lines for the fragment's symbols, followed by the fragment's options
     * in fragment order — what scripts/kconfig/merge_config.sh does. Appending matters for
     * choices: Kconfig lets the last "=y" member read win, so CONFIG_HZ_100=y must come after
     * the base's CONFIG_HZ_250=y.
     */
    public String mergeInto(String base) {
        StringBuilder out = new StringBuilder(base.length() + 64 * options.size());
        for (String line : base.split("\n", -1)) {
            String symbol = symbolOf(line.strip());
            if ((symbol == null || !options.containsKey(symbol)) && !line.isEmpty()) {
                out.append(line).append('\n');
            }
        }
        options.forEach((s, v) -> out.append(format(s, v)).append('\n'));
        return out.toString();
    }

    /**
     * The options of this fragment whose value differs in {@code resolved} (a complete .config),
     * described as "CONFIG_FOO=y (got: not set)". Empty when everything survived.
     */
    public List<String> missingFrom(String resolved) {
        Map<String, String> have = parse(resolved).options;
        List<String> missing = new ArrayList<>();
        options.forEach((symbol, wanted) -> {
            String got = have.getOrDefault(symbol, NOT_SET);
            if (!got.equals(wanted)) {
                missing.add(format(symbol, wanted) + " (got: " + (got.equals(NOT_SET) ? "not set" : got) + ")");
            }
        });
        return missing;
    }

    static String format(String symbol, String value) {
        return value.equals(NOT_SET) ? "# " + symbol + " is not set" : symbol + "=" + value;
    }

    private static String symbolOf(String line) {
        Matcher m = SET.matcher(line);
        if (m.matches()) {
            return m.group(1);
        }
        Matcher u = UNSET.matcher(line);
        return u.matches() ? u.group(1) : null;
    }
}
