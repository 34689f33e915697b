package io.jvmm.cli.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Minimum, median and 90th percentile of a set of measurements.
 *
 * <p>The median of an even count is the mean of the two middle values; p90 is the nearest-rank
 * percentile (the smallest value with at least 90 % of the samples at or below it), so it is always
 * one of the measured values and equals the maximum for fewer than ten samples.
 *
 * @param n number of samples
 */
public record Stats(int n, double min, double median, double p90, double max) {

    /** Summary of {@code values}; null elements are skipped. Null when nothing is left. */
    public static Stats of(Collection<? extends Number> values) {
        double[] v = values.stream().filter(x -> x != null).mapToDouble(Number::doubleValue).toArray();
        return of(v);
    }

    /** Summary of {@code values}; null when empty. */
    public static Stats of(double... values) {
        if (values.length == 0) {
            return null;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        int rank = (int) Math.ceil(0.9 * n); // 1-based nearest rank
        return new Stats(n, v[0], median, v[Math.max(0, rank - 1)], v[n - 1]);
    }

    /** For the JSON report. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", n);
        m.put("min", min);
        m.put("median", median);
        m.put("p90", p90);
        m.put("max", max);
        return m;
    }
}
