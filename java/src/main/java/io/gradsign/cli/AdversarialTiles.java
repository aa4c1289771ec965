package io.gradsign.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A grid of tiles for a look at an attack's output: x beside x' for the first images, {@link #PER_ROW}
 * pairs a row, each image enlarged {@link #SCALE} times (nearest neighbour), a red frame around x' where
 * the attack succeeded. No text, so no font is needed.
 */
final class AdversarialTiles {
    /** The most pairs drawn. */
    static final int MAX_PAIRS = 32;
    static final int PER_ROW = 4;
    static final int SCALE = 3;
    /** Pixels between the images of a pair, and between pairs. */
    static final int GAP = 2;
    static final int PAIR_GAP = 12;

    private AdversarialTiles() {}

    /** The number of pairs drawn for {@code count} images. */
    static int pairs(int count) {
        return Math.min(count, MAX_PAIRS);
    }

    /** The grid's width and height in pixels for {@code count} images of rows &times; cols. */
    static int[] size(int count, int rows, int cols) {
        int pairs = pairs(count);
        int columns = Math.min(pairs, PER_ROW);
        int gridRows = (pairs + PER_ROW - 1) / PER_ROW;
        int pairWidth = 2 * cols * SCALE + GAP;
        return new int[] {PAIR_GAP + columns * (pairWidth + PAIR_GAP), PAIR_GAP + gridRows * (rows * SCALE + PAIR_GAP)};
    }

    /**
     * Draws the first pairs of {@code clean} and {@code adversarial} (count &times; rows &times; cols, row-major,
     * in [0, 1]) and writes them as PNG to {@code file} (its folder is created).
     */
    static void write(float[] clean, float[] adversarial, boolean[] success, int rows, int cols, Path file)
            throws IOException {
        int size = rows * cols;
        int count = clean.length / size;
        int[] extent = size(count, rows, cols);
        BufferedImage image = new BufferedImage(extent[0], extent[1], BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < extent[1]; y++) {
            for (int x = 0; x < extent[0]; x++) {
                image.setRGB(x, y, 0xFFFFFF);
            }
        }
        int pairWidth = 2 * cols * SCALE + GAP;
        for (int p = 0; p < pairs(count); p++) {
            int left = PAIR_GAP + (p % PER_ROW) * (pairWidth + PAIR_GAP);
            int top = PAIR_GAP + (p / PER_ROW) * (rows * SCALE + PAIR_GAP);
            draw(image, left, top, clean, p * size, rows, cols);
            int right = left + cols * SCALE + GAP;
            draw(image, right, top, adversarial, p * size, rows, cols);
            if (success[p]) {
                frame(image, right - 1, top - 1, cols * SCALE + 2, rows * SCALE + 2, 0xD02020);
            }
        }
        FgsmFigure.writePng(image, file, "the tiles");
    }

    // one grey level per pixel, 0 black and 1 white
    private static void draw(BufferedImage image, int left, int top, float[] values, int offset, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int grey = Math.round(255 * Math.min(1f, Math.max(0f, values[offset + r * cols + c])));
                int rgb = grey << 16 | grey << 8 | grey;
                for (int y = 0; y < SCALE; y++) {
                    for (int x = 0; x < SCALE; x++) {
                        image.setRGB(left + c * SCALE + x, top + r * SCALE + y, rgb);
                    }
                }
            }
        }
    }

    private static void frame(BufferedImage image, int left, int top, int width, int height, int rgb) {
        for (int x = left; x < left + width; x++) {
            image.setRGB(x, top, rgb);
            image.setRGB(x, top + height - 1, rgb);
        }
        for (int y = top; y < top + height; y++) {
            image.setRGB(left, y, rgb);
            image.setRGB(left + width - 1, y, rgb);
        }
    }
}
