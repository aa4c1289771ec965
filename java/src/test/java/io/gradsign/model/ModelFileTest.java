package io.gradsign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.nn.Dense;
import io.gradsign.nn.Layer;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model file: round trip, and a clear error for every kind of damage. */
class ModelFileTest {
    @TempDir
    Path directory;

    @Test
    void roundTripKeepsLayersAndParameters() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(20), Network.mlp(new int[] {7, 5}, 3), 42)) {
            Path file = directory.resolve("model.gsm");
            ModelFile.save(model, file);
            try (Network loaded = ModelFile.load(cpu, file)) {
                assertEquals(model.layers(), loaded.layers());
                for (int l = 0; l < model.layers().size(); l++) {
                    assertArrayEquals(model.weights(l), loaded.weights(l), 0f);
                    assertArrayEquals(model.biases(l), loaded.biases(l), 0f);
                }
            }
        }
    }

    /** A model that load would refuse (a NaN weight) and a directory as the file: refused, nothing written or replaced. */
    @Test
    void saveRefusesNonFiniteParametersAndDirectories() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(6), Network.softmaxRegression(3), 1)) {
            Path folder = Files.createDirectory(directory.resolve("folder"));
            java.nio.file.FileSystemException isDirectory = assertThrows(java.nio.file.FileSystemException.class,
                    () -> ModelFile.save(model, folder));
            assertEquals(folder + ": is a directory, not a model file", isDirectory.getMessage());
            assertTrue(Files.isDirectory(folder));

            float[] weights = model.weights(0);
            weights[4] = Float.NaN;
            model.parameters(0).get(0).copyFrom(weights);
            Path file = directory.resolve("nan.gsm");
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(model, file));
            assertTrue(nan.getMessage().contains("NaN at 4"), nan.getMessage());
            try (var files = Files.list(directory)) {
                assertEquals(List.of(folder), files.toList(), "save left a file behind");
            }
        }
    }

    @Test
    void cnnRoundTripKeepsShapeLayersAndParameters() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(2, 9, 7), LayerSpec.parse(
                     "conv3k3x2s2p1-relu-pool2s1-avgpool2-tanh-conv4k1-sigmoid-dense5-relu-dense3"), 4)) {
            Path file = directory.resolve("cnn.gsm");
            ModelFile.save(model, file);
            assertTrue(Files.exists(file) && !Files.exists(directory.resolve("cnn.gsm.tmp")));
            try (Network loaded = ModelFile.load(cpu, file)) {
                assertEquals(model.inputShape(), loaded.inputShape());
                assertEquals(model.layers(), loaded.layers());
                List<float[]> expected = model.parameterValues();
                List<float[]> actual = loaded.parameterValues();
                assertEquals(expected.size(), actual.size());
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), 0f);
                }
            }
        }
    }

    @Test
    void version1FilesStillLoad() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(20), Network.mlp(new int[] {7, 5}, 3), 42)) {
            Path file = directory.resolve("v1.gsm");
            Files.write(file, version1(model));
            try (Network loaded = ModelFile.load(cpu, file)) {
                assertEquals(Shape.of(20), loaded.inputShape());
                assertEquals(model.layers(), loaded.layers());
                for (int l = 0; l < model.layers().size(); l++) {
                    assertArrayEquals(model.weights(l), loaded.weights(l), 0f);
                    assertArrayEquals(model.biases(l), loaded.biases(l), 0f);
                }
            }
        }
    }

    @Test
    void damagedVersion1FilesFailWithAClearMessage() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(20), Network.mlp(new int[] {7}, 3), 1)) {
            byte[] good = version1(model);
            expectCommonDamage(cpu, good);
            expectFailure(cpu, withInt(good, 12, 100000), "layer count 100000");
            expectFailure(cpu, withInt(good, 24, 7), "unknown activation 7");
            expectFailure(cpu, withInt(good, 28, 8), "layer 1 takes 8 inputs but layer 0 gives 7");
        }
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network single = Network.create(cpu, Shape.of(20), Network.softmaxRegression(3), 1)) {
            // a layer claiming 2^24 x 2^24 weights in a file of a few hundred bytes: no allocation, an error
            byte[] huge = withInt(withInt(version1(single), 16, 1 << 24), 20, 1 << 24);
            expectFailure(cpu, huge, "too large");
        }
    }

    @Test
    void damagedVersion2FilesFailWithAClearMessage() throws IOException {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network model = Network.create(cpu, Shape.of(1, 6, 6), LayerSpec.parse("conv2k3-relu-pool2-dense3"), 1)) {
            Path file = directory.resolve("good.gsm");
            ModelFile.save(model, file);
            byte[] good = Files.readAllBytes(file);
            expectCommonDamage(cpu, good);
            expectFailure(cpu, withInt(good, 12, 9), "input rank 9");
            expectFailure(cpu, withInt(good, 16, -1), "input dimension 0 is -1");
            expectFailure(cpu, withInt(good, 24, 1 << 30), "input dimension 2 is 1073741824");
            expectFailure(cpu, withInt(withInt(good, 20, 1 << 13), 24, 1 << 12), "input of more than");
            expectFailure(cpu, withInt(good, 28, 1 << 30), "layer spec of 1073741824 bytes");
            byte[] spec = good.clone();
            spec[32] = 'q';
            expectFailure(cpu, spec, "unknown layer");
            expectFailure(cpu, withInt(good, 20, 3), "(2, 1, 4)");
        }
        // a spec whose parameters (2 x 2^24 floats) the file cannot hold: an error before any allocation
        expectFailure(null, version2(Shape.of(4096), "dense4096-dense4096"), "truncated: the layers need");
        expectFailure(null, version2(Shape.of(1 << 20), "dense16777216"), "too large");
        expectFailure(null, version2(Shape.of(1, 8, 8), "conv100000000k7"), "too large");
    }

    /** Damage any version's file shows the same way. */
    private void expectCommonDamage(Backend backend, byte[] good) throws IOException {
        expectFailure(backend, java.util.Arrays.copyOf(good, good.length - 9), "truncated");
        expectFailure(backend, java.util.Arrays.copyOf(good, 10), "truncated");
        expectFailure(backend, java.util.Arrays.copyOf(good, good.length + 4), "trailing bytes");
        byte[] flipped = good.clone();
        flipped[good.length - 12] ^= 0x40;
        expectFailure(backend, flipped, "checksum mismatch");
        byte[] magic = good.clone();
        magic[0] = 'X';
        expectFailure(backend, magic, "not a gradsign model file");
        expectFailure(backend, withInt(good, 8, 3), "format version 3");
    }

    @Test
    void aDirectoryIsNotAModelFile() {
        try (Backend cpu = Backends.open(BackendKind.CPU)) {
            ModelFile.ModelFormatException e = assertThrows(ModelFile.ModelFormatException.class,
                    () -> ModelFile.load(cpu, directory));
            assertTrue(e.getMessage().contains(directory.toString()) && e.getMessage().contains("directory"),
                    e.getMessage());
        }
    }

    /** The model in format version 1 (dense layers only), as the library wrote it before version 2. */
    private static byte[] version1(Network model) {
        List<Layer> layers = model.layers();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put("GRADSIGN".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(1).putInt(layers.size());
        int in = model.inputSize();
        for (Layer layer : layers) {
            Dense dense = (Dense) layer;
            buffer.putInt(in).putInt(dense.outFeatures()).putInt(dense.activation().code());
            in = dense.outFeatures();
        }
        for (float[] values : model.parameterValues()) {
            for (float v : values) {
                buffer.putFloat(v);
            }
        }
        return withChecksum(buffer);
    }

    /** A version 2 header and spec with zero parameters after it. */
    private static byte[] version2(Shape input, String spec) {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put("GRADSIGN".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(2).putInt(input.rank());
        for (int d : input.dims()) {
            buffer.putInt(d);
        }
        byte[] text = spec.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        buffer.putInt(text.length).put(text).put(new byte[64]);
        return withChecksum(buffer);
    }

    private static byte[] withChecksum(ByteBuffer buffer) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putLong(crc.getValue());
        return java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    private void expectFailure(Backend backend, byte[] bytes, String problem) throws IOException {
        Path file = directory.resolve("damaged.gsm");
        Files.write(file, bytes);
        try (Backend own = backend == null ? Backends.open(BackendKind.CPU) : null) {
            Backend used = backend == null ? own : backend;
            ModelFile.ModelFormatException e = assertThrows(ModelFile.ModelFormatException.class,
                    () -> ModelFile.load(used, file));
            assertTrue(e.getMessage().contains(problem) && e.getMessage().contains("damaged.gsm"), e.getMessage());
        }
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }
}
