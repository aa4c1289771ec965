package io.gradsign.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --epsilons}: a comma list ({@code 0,0.1,0.3}) or an inclusive range {@code FROM:TO:STEP}
 * ({@code 0:0.3:0.05} is 0, 0.05, ..., 0.3), counted in decimal so that 0.3 is reached.
 */
final class EpsilonSpec {
    /** The most values a range may give. */
    static final int MAX_VALUES = 1000;

    private EpsilonSpec() {}

    /**
     * The values of {@code spec}, each finite and &gt;= 0.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static float[] parse(String spec) {
        String text = spec.strip();
        List<BigDecimal> values = new ArrayList<>();
        if (text.contains(":")) {
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("'" + spec + "' is neither a list (0,0.1,0.2) nor a range FROM:TO:STEP"
                        + " (0:0.3:0.05)");
            }
            BigDecimal from = number(parts[0], spec);
            BigDecimal to = number(parts[1], spec);
            BigDecimal step = number(parts[2], spec);
            if (step.signum() <= 0) {
                throw new IllegalArgumentException("the step of '" + spec + "' must be > 0");
            }
            if (to.compareTo(from) < 0) {
                throw new IllegalArgumentException("the range '" + spec + "' ends before it starts");
            }
            for (BigDecimal v = from; v.compareTo(to) <= 0; v = v.add(step)) {
                if (values.size() == MAX_VALUES) {
                    throw new IllegalArgumentException("'" + spec + "' gives more than " + MAX_VALUES + " values");
                }
                values.add(v);
            }
        } else {
            for (String part : text.split(",", -1)) {
                values.add(number(part, spec));
            }
        }
        float[] result = new float[values.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = values.get(i).floatValue();
            if (!Float.isFinite(result[i])) {
                throw new IllegalArgumentException("'" + values.get(i) + "' in '" + spec + "' is too large");
            }
        }
        return result;
    }

    private static BigDecimal number(String text, String spec) {
        BigDecimal value;
        try {
            value = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' in '" + spec + "' is not a number");
        }
        if (value.signum() < 0) {
            throw new IllegalArgumentException("epsilons must be >= 0, got " + text.strip() + " in '" + spec + "'");
        }
        return value;
    }
}
