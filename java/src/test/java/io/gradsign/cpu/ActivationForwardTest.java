package io.gradsign.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gradsign.Activation;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ActivationForward gives Activation.apply's bits for every element, specials included, at offsets
 * and in place, on counts below and above the split over the cores; nothing outside the range written.
 */
class ActivationForwardTest {
    private static final float[] SPECIALS = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MAX_VALUE, 88.8f, -104f, 20f};

    @ParameterizedTest
    @EnumSource(Activation.class)
    void givesTheBitsOfApply(Activation activation) {
        for (int count : new int[] {1, 17, 1000, 3 * CpuWorkers.ELEMENTS_PER_PART + 5}) {
            Random random = new Random(count * 7L + activation.ordinal());
            float[] x = new float[count + 8];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(6) == 0 ? SPECIALS[random.nextInt(SPECIALS.length)]
                        : (float) random.nextGaussian() * 4f;
            }
            float[] y = new float[count + 6];
            Arrays.fill(y, Float.NaN);
            ActivationForward.activationForward(y, 2, x, 5, count, activation);
            float[] inPlace = x.clone();
            ActivationForward.activationForward(inPlace, 5, inPlace, 5, count, activation);
            for (int i = 0; i < count; i++) {
                int want = Float.floatToRawIntBits(activation.apply(x[5 + i]));
                assertEquals(want, Float.floatToRawIntBits(y[2 + i]), activation + " count " + count + " at " + i);
                assertEquals(want, Float.floatToRawIntBits(inPlace[5 + i]),
                        activation + " in place, count " + count + " at " + i);
            }
            for (int i : new int[] {0, 1, count + 2, count + 3, count + 4, count + 5}) {
                assertEquals(Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(y[i]), "written outside at " + i);
            }
            for (int i : new int[] {0, 4, count + 5, count + 7}) {
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(inPlace[i]), "written outside at " + i);
            }
        }
    }
}
