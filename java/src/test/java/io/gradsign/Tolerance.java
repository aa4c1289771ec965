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
        int wrong = 0;
        int worst = -1;
        double worstExcess = Double.NEGATIVE_INFINITY;
        boolean expectedNonZero = false;
        boolean actualNonZero = false;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double excess = Float.isNaN(actual[i]) || Float.isNaN(expected[i])
                    ? (Float.isNaN(actual[i]) && Float.isNaN(expected[i]) ? -1 : Double.POSITIVE_INFINITY)
                    : Math.abs((double) actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
            if (excess > 0) {
                if (wrong < 4) {
                    first.append(String.format(" [%d] want %s got %s;", i, expected[i], actual[i]));
                }
                wrong++;
            }
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
            expectedNonZero |= expected[i] != 0;
            actualNonZero |= actual[i] != 0;
        }
        if (wrong > 0) {
            fail(what + ": " + wrong + " of " + expected.length + " outside " + atol + " + " + rtol + "|x|; worst ["
                    + worst + "] want " + expected[worst] + " got " + actual[worst] + ";" + first);
        }
        if (expectedNonZero && !actualNonZero) {
            fail(what + ": result is all zero");
        }
    }
}
