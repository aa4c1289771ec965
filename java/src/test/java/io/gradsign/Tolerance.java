package io.gradsign;

import static org.junit.jupiter.api.Assertions.fail;

/** Float comparison for results whose summation order differs between backends: |a - b| <= atol + rtol |b|. */
public final class Tolerance {
    private Tolerance() {}

    /** Fails with the worst element and the first few differences; also fails an all-zero actual where expected is not. */
    public static void assertClose(float[] expected, float[] actual, float atol, float rtol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        double[] want = new double[expected.length];
        double[] tolerance = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            want[i] = expected[i];
            tolerance[i] = atol + rtol * Math.abs(expected[i]);
        }
        assertWithin(want, tolerance, actual, 0, what + " (tolerance " + atol + " + " + rtol + "|x|)");
    }

    /**
     * |actual[offset + k] - expected[k]| <= tolerance[k] for every k (NaN passes only where NaN is
     * expected); fails with the worst element and the first few differences, and fails an all-zero
     * actual where expected is not.
     */
    public static void assertWithin(double[] expected, double[] tolerance, float[] actual, int offset, String what) {
        int wrong = 0;
        int worst = -1;
        double worstExcess = Double.NEGATIVE_INFINITY;
        boolean expectedNonZero = false;
        boolean actualNonZero = false;
        StringBuilder first = new StringBuilder();
        for (int k = 0; k < expected.length; k++) {
            float got = actual[offset + k];
            double excess = Double.isNaN(expected[k]) || Float.isNaN(got)
                    ? (Double.isNaN(expected[k]) && Float.isNaN(got) ? -1 : Double.POSITIVE_INFINITY)
                    : Math.abs(got - expected[k]) - tolerance[k];
            if (excess > 0) {
                if (wrong < 4) {
                    first.append(String.format(" [%d] want %s got %s (tolerance %.3g);", k, expected[k], got,
                            tolerance[k]));
                }
                wrong++;
            }
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = k;
            }
            expectedNonZero |= expected[k] != 0;
            actualNonZero |= got != 0;
        }
        if (wrong > 0) {
            fail(what + ": " + wrong + " of " + expected.length + " elements off; worst [" + worst + "] want "
                    + expected[worst] + " got " + actual[offset + worst] + ";" + first);
        }
        if (expectedNonZero && !actualNonZero) {
            fail(what + ": result is all zero");
        }
    }
}
