package io.gradsign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Dataset refuses inconsistent data, and cannot be changed through the arrays it was given or returns. */
class DatasetTest {
    private static final List<String> CLASSES = List.of("zero", "one", "two");

    // 4 images of 2 × 3, image i holds i + 0.1·feature; labels 0, 1, 2, 1
    private static float[] images() {
        float[] images = new float[4 * 6];
        for (int i = 0; i < images.length; i++) {
            images[i] = i / 6 + 0.1f * (i % 6);
        }
        return images;
    }

    private static Dataset dataset() {
        return new Dataset(images(), new int[] {0, 1, 2, 1}, 2, 3, CLASSES);
    }

    @Test
    void holdsWhatItWasGiven() {
        Dataset data = dataset();
        assertEquals(4, data.count());
        assertEquals(2, data.rows());
        assertEquals(3, data.cols());
        assertEquals(6, data.features());
        assertEquals(3, data.classes());
        assertEquals(CLASSES, data.classNames());
        assertEquals("two", data.className(2));
        assertArrayEquals(images(), data.images());
        assertArrayEquals(new int[] {0, 1, 2, 1}, data.labels());
        assertArrayEquals(Arrays.copyOfRange(images(), 12, 18), data.image(2));
        assertEquals(1, data.label(3));
        assertArrayEquals(new int[] {1, 2, 1}, data.classCounts());
        assertArrayEquals(Arrays.copyOfRange(images(), 6, 18), data.images(1, 3));
        assertArrayEquals(new int[] {1, 2}, data.labels(1, 3));
    }

    @Test
    void copiesInAndOut() {
        float[] images = images();
        int[] labels = {0, 1, 2, 1};
        Dataset data = new Dataset(images, labels, 2, 3, CLASSES);
        images[0] = Float.NaN;
        labels[0] = 7;
        data.images()[1] = 42f;
        data.labels()[1] = 7;
        data.image(0)[2] = 42f;
        assertArrayEquals(images(), data.images());
        assertArrayEquals(new int[] {0, 1, 2, 1}, data.labels());
        assertThrows(UnsupportedOperationException.class, () -> data.classNames().set(0, "x"));
    }

    @Test
    void labelOutOfRangeIsRefused() {
        assertRefused(() -> new Dataset(images(), new int[] {0, 1, 3, 1}, 2, 3, CLASSES), "label 3 of image 2 is outside [0, 3)");
        assertRefused(() -> new Dataset(images(), new int[] {0, -1, 2, 1}, 2, 3, CLASSES), "label -1 of image 1");
    }

    @Test
    void nonFiniteFeatureIsRefused() {
        float[] nan = images();
        nan[13] = Float.NaN;
        assertRefused(() -> new Dataset(nan, new int[] {0, 1, 2, 1}, 2, 3, CLASSES), "feature 1 of image 2 is NaN");
        float[] infinite = images();
        infinite[0] = Float.NEGATIVE_INFINITY;
        assertRefused(() -> new Dataset(infinite, new int[] {0, 1, 2, 1}, 2, 3, CLASSES), "is -Infinity");
    }

    @Test
    void lengthsMustAgree() {
        assertRefused(() -> new Dataset(images(), new int[] {0, 1, 2}, 2, 3, CLASSES), "images hold 24 floats");
        assertRefused(() -> new Dataset(images(), new int[] {0, 1, 2, 1}, 3, 3, CLASSES), "need 36");
        assertRefused(() -> new Dataset(images(), new int[] {0, 1, 2, 1}, 0, 3, CLASSES), "must be positive");
        assertRefused(() -> new Dataset(images(), new int[] {0, 1, 2, 1}, 2, -3, CLASSES), "must be positive");
        assertRefused(() -> new Dataset(new float[0], new int[0], 2, 3, List.of()), "at least one class");
        assertRefused(() -> new Dataset(new float[0], new int[0], 2, 3, Arrays.asList("a", null)), "class 1 is null");
    }

    @Test
    void emptyDatasetIsAllowed() {
        Dataset empty = new Dataset(new float[0], new int[0], 2, 3, CLASSES);
        assertEquals(0, empty.count());
        assertArrayEquals(new int[] {0, 0, 0}, empty.classCounts());
    }

    @Test
    void subsetKeepsItsRange() {
        Dataset data = dataset();
        Dataset middle = data.subset(1, 3);
        assertEquals(2, middle.count());
        assertEquals(CLASSES, middle.classNames());
        assertArrayEquals(data.images(1, 3), middle.images());
        assertArrayEquals(new int[] {1, 2}, middle.labels());
        assertEquals(data, data.subset(0, 4));
        assertEquals(data.hashCode(), data.subset(0, 4).hashCode());
        assertNotEquals(data, middle);
        assertEquals(0, data.subset(4, 4).count());
    }

    @Test
    void badRangesAndIndicesAreRefused() {
        Dataset data = dataset();
        assertRefused(() -> data.subset(-1, 2), "range [-1, 2)");
        assertRefused(() -> data.subset(3, 2), "range [3, 2)");
        assertRefused(() -> data.subset(0, 5), "within [0, 4]");
        assertRefused(() -> data.images(2, 5), "range [2, 5)");
        assertRefused(() -> data.labels(-1, 0), "range [-1, 0)");
        assertRefused(() -> data.image(4), "index 4 is outside [0, 4)");
        assertRefused(() -> data.label(-1), "index -1");
        assertRefused(() -> data.className(3), "label 3 is outside [0, 3)");
    }

    private static void assertRefused(Executable action, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
