package io.gradsign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model file: round trip, and a clear error for every kind of damage. */
class ModelFileTest {
    @TempDir
    Path directory;

    @Test
    void roundTripKeepsLayersAndParameters() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Sequential model = Sequential.create(cpu, Sequential.mlp(20, new int[] {7, 5}, 3), 42)) {
            Path file = directory.resolve("model.gsm");
            ModelFile.save(model, file);
            try (Sequential loaded = ModelFile.load(cpu, file)) {
                assertEquals(model.layers(), loaded.layers());
                for (int l = 0; l < model.layers().size(); l++) {
                    assertArrayEquals(model.weights(l), loaded.weights(l), 0f);
                    assertArrayEquals(model.biases(l), loaded.biases(l), 0f);
                }
            }
        }
    }

    @Test
    void damagedFilesFailWithAClearMessage() throws IOException {
        byte[] good;
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Sequential model = Sequential.create(cpu, Sequential.mlp(20, new int[] {7}, 3), 1)) {
            Path file = directory.resolve("good.gsm");
            ModelFile.save(model, file);
            good = Files.readAllBytes(file);
            expectFailure(cpu, java.util.Arrays.copyOf(good, good.length - 9), "truncated");
            expectFailure(cpu, java.util.Arrays.copyOf(good, 10), "truncated");
            expectFailure(cpu, java.util.Arrays.copyOf(good, good.length + 4), "trailing bytes");
            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x40;
            expectFailure(cpu, flipped, "checksum mismatch");
            byte[] magic = good.clone();
            magic[0] = 'X';
            expectFailure(cpu, magic, "not a gradsign model file");
            expectFailure(cpu, withInt(good, 8, 2), "format version 2");
            expectFailure(cpu, withInt(good, 12, 100000), "layer count 100000");
            expectFailure(cpu, withInt(good, 24, 7), "unknown activation 7");
            expectFailure(cpu, withInt(good, 28, 8), "layer 1 takes 8 inputs but layer 0 gives 7");
        }
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Sequential single = Sequential.create(cpu, Sequential.softmaxRegression(20, 3), 1)) {
            Path file = directory.resolve("single.gsm");
            ModelFile.save(single, file);
            // a layer claiming 2^24 x 2^24 weights in a file of a few hundred bytes: no allocation, an error
            byte[] huge = withInt(withInt(Files.readAllBytes(file), 16, 1 << 24), 20, 1 << 24);
            expectFailure(cpu, huge, "truncated: the layers need");
        }
    }

    private void expectFailure(Backend backend, byte[] bytes, String problem) throws IOException {
        Path file = directory.resolve("damaged.gsm");
        Files.write(file, bytes);
        ModelFile.ModelFormatException e = assertThrows(ModelFile.ModelFormatException.class,
                () -> ModelFile.load(backend, file));
        assertTrue(e.getMessage().contains(problem) && e.getMessage().contains("damaged.gsm"), e.getMessage());
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }
}
