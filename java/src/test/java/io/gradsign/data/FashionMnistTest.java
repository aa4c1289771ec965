package io.gradsign.data;

import static io.gradsign.data.IdxTestFiles.file;
import static io.gradsign.data.IdxTestFiles.gzip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST from a folder (files written here, and Debian's package where installed) and from the jar. */
class FashionMnistTest {
    @TempDir
    Path folder;

    @Test
    void embeddedSampleLoads() {
        FashionMnist sample = FashionMnist.embeddedSample();
        assertShape(sample.train(), 2000);
        assertShape(sample.test(), 1000);
        // the first items are roughly balanced: about 200 and 100 per class
        for (int c = 0; c < 10; c++) {
            assertTrue(sample.train().classCounts()[c] >= 150, "train class " + c + ": "
                    + Arrays.toString(sample.train().classCounts()));
            assertTrue(sample.test().classCounts()[c] >= 75, "test class " + c + ": "
                    + Arrays.toString(sample.test().classCounts()));
        }
        assertPixelsInUnitRange(sample.train());
        assertPixelsInUnitRange(sample.test());
    }

    @Test
    void debianPackageLoads() throws IOException {
        Path directory = FashionMnist.DEFAULT_DIRECTORY;
        Assumptions.assumeTrue(FashionMnist.isInstalled(directory),
                "skipped: Debian's dataset-fashion-mnist is not installed at " + directory);
        FashionMnist full = FashionMnist.load();
        assertShape(full.train(), 60000);
        assertShape(full.test(), 10000);
        // Fashion-MNIST is exactly balanced
        int[] trainCounts = new int[10];
        int[] testCounts = new int[10];
        Arrays.fill(trainCounts, 6000);
        Arrays.fill(testCounts, 1000);
        assertArrayEquals(trainCounts, full.train().classCounts());
        assertArrayEquals(testCounts, full.test().classCounts());
        assertPixelsInUnitRange(full.test());
        // the sample in the jar is the head of the real data (data/make-fashion-mnist-sample.sh)
        FashionMnist sample = FashionMnist.embeddedSample();
        assertEquals(full.train().subset(0, 2000), sample.train());
        assertEquals(full.test().subset(0, 1000), sample.test());
    }

    @Test
    void loadsPlainAndGzippedFilesFromAFolder() throws IOException {
        Random random = new Random(5);
        byte[] trainPixels = new byte[3 * 28 * 28];
        random.nextBytes(trainPixels);
        byte[] testPixels = new byte[2 * 28 * 28];
        random.nextBytes(testPixels);
        write(FashionMnist.TRAIN_IMAGES, file(IdxType.UNSIGNED_BYTE, new int[] {3, 28, 28}, trainPixels));
        write(FashionMnist.TRAIN_LABELS + ".gz", gzip(file(IdxType.UNSIGNED_BYTE, new int[] {3}, new byte[] {9, 0, 4})));
        write(FashionMnist.TEST_IMAGES + ".gz", gzip(file(IdxType.UNSIGNED_BYTE, new int[] {2, 28, 28}, testPixels)));
        write(FashionMnist.TEST_LABELS, file(IdxType.UNSIGNED_BYTE, new int[] {2}, new byte[] {3, 8}));

        assertTrue(FashionMnist.isInstalled(folder));
        FashionMnist data = FashionMnist.load(folder);

        assertEquals(3, data.train().count());
        assertArrayEquals(new int[] {9, 0, 4}, data.train().labels());
        assertArrayEquals(new int[] {3, 8}, data.test().labels());
        assertEquals("Ankle boot", data.train().className(9));
        assertEquals(FashionMnist.CLASS_NAMES, data.test().classNames());
        float[] pixels = data.test().images();
        for (int i = 0; i < pixels.length; i++) {
            assertEquals((testPixels[i] & 0xFF) / 255f, pixels[i], "test pixel " + i);
        }
    }

    @Test
    void missingFileNamesIt() throws IOException {
        writeValidFolder(3, 3);
        Files.delete(folder.resolve(FashionMnist.TEST_LABELS));
        assertFalse(FashionMnist.isInstalled(folder));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains(FashionMnist.TEST_LABELS + ".gz"), e.getMessage());
    }

    @Test
    void labelOutsideTheTenClassesIsAFormatError() throws IOException {
        writeValidFolder(3, 3);
        write(FashionMnist.TRAIN_LABELS, file(IdxType.UNSIGNED_BYTE, new int[] {3}, new byte[] {1, 10, 2}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains(FashionMnist.TRAIN_LABELS) && e.getMessage().contains("label 10 at index 1"),
                e.getMessage());
    }

    @Test
    void countsOfImagesAndLabelsMustAgree() throws IOException {
        writeValidFolder(3, 3);
        write(FashionMnist.TEST_LABELS, file(IdxType.UNSIGNED_BYTE, new int[] {2}, new byte[] {1, 2}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains("holds 2 labels but") && e.getMessage().contains("3 images"), e.getMessage());
    }

    @Test
    void imagesOfAnotherTypeAreAFormatError() throws IOException {
        writeValidFolder(3, 3);
        write(FashionMnist.TRAIN_IMAGES, file(IdxType.FLOAT, new int[] {3, 2, 2}, new float[12]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains("expected images as unsigned bytes"), e.getMessage());
    }

    private void writeValidFolder(int trainCount, int testCount) throws IOException {
        write(FashionMnist.TRAIN_IMAGES, file(IdxType.UNSIGNED_BYTE, new int[] {trainCount, 2, 2}, new byte[trainCount * 4]));
        write(FashionMnist.TRAIN_LABELS, file(IdxType.UNSIGNED_BYTE, new int[] {trainCount}, new byte[trainCount]));
        write(FashionMnist.TEST_IMAGES, file(IdxType.UNSIGNED_BYTE, new int[] {testCount, 2, 2}, new byte[testCount * 4]));
        write(FashionMnist.TEST_LABELS, file(IdxType.UNSIGNED_BYTE, new int[] {testCount}, new byte[testCount]));
    }

    private void write(String name, byte[] bytes) throws IOException {
        Files.write(folder.resolve(name), bytes);
    }

    private static void assertShape(Dataset data, int count) {
        assertEquals(count, data.count());
        assertEquals(28, data.rows());
        assertEquals(28, data.cols());
        assertEquals(10, data.classes());
        assertEquals(FashionMnist.CLASS_NAMES, data.classNames());
        assertEquals(count * 784, data.images().length);
    }

    private static void assertPixelsInUnitRange(Dataset data) {
        float[] pixels = data.images();
        float max = 0f;
        for (int i = 0; i < pixels.length; i++) {
            assertTrue(pixels[i] >= 0f && pixels[i] <= 1f, "pixel " + i + " is " + pixels[i]);
            max = Math.max(max, pixels[i]);
        }
        assertEquals(1f, max, "no pixel is white: the images look empty");
    }
}
