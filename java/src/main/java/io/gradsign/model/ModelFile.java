package io.gradsign.model;

import io.gradsign.Activation;
import io.gradsign.Backend;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Saves and loads {@link Sequential} models. The format, all integers and floats little-endian:
 * <pre>
 *   bytes 0-7   "GRADSIGN"
 *   int32       format version (1)
 *   int32       layer count L (1..64)
 *   L times     int32 inFeatures, int32 outFeatures, int32 activation (0 none, 1 relu, 2 tanh)
 *   L times     float32 weights[out * in] (row-major, (out, in)), float32 bias[out]
 *   int64       CRC-32 of every byte before it
 * </pre>
 * A truncated or corrupt file fails with a {@link ModelFormatException} naming the file and the
 * problem; sizes are checked against the file's length before anything is allocated.
 */
public final class ModelFile {
    private static final byte[] MAGIC = "GRADSIGN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MAX_LAYERS = 64;
    private static final int MAX_FEATURES = 1 << 24;

    private ModelFile() {}

    /** A model file that cannot be read: truncated, corrupt, or of another format or version. */
    public static final class ModelFormatException extends IOException {
        public ModelFormatException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    /** Writes {@code model}'s layers and parameters to {@code file} (replacing it). */
    public static void save(Sequential model, Path file) throws IOException {
        model.checkOpen();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            writeInt(out, VERSION);
            List<DenseLayer> layers = model.layers();
            writeInt(out, layers.size());
            for (DenseLayer layer : layers) {
                writeInt(out, layer.inFeatures());
                writeInt(out, layer.outFeatures());
                writeInt(out, layer.activation().code());
            }
            for (int l = 0; l < layers.size(); l++) {
                writeFloats(out, model.weights(l));
                writeFloats(out, model.biases(l));
            }
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        ByteBuffer tail = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(crc.getValue());
        bytes.write(tail.array());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, bytes.toByteArray());
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a model from {@code file} onto {@code backend}. */
    public static Sequential load(Backend backend, Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "file of " + size + " bytes is larger than any model this format holds");
        }
        return read(backend, ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN), file);
    }

    /** Reads a model from the bytes of a model file (a resource, for example); {@code name} is for messages. */
    public static Sequential read(Backend backend, ByteBuffer data, Path name) throws ModelFormatException {
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int length = data.remaining();
        if (length < MAGIC.length + 8 + Long.BYTES) {
            throw new ModelFormatException(name, "truncated: " + length + " bytes is too short for a model file");
        }
        byte[] magic = new byte[MAGIC.length];
        data.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new ModelFormatException(name, "not a gradsign model file (no GRADSIGN header)");
        }
        int version = data.getInt();
        if (version != VERSION) {
            throw new ModelFormatException(name, "format version " + version + ", this library reads version " + VERSION);
        }
        int layerCount = data.getInt();
        if (layerCount < 1 || layerCount > MAX_LAYERS) {
            throw new ModelFormatException(name, "layer count " + layerCount + " is outside [1, " + MAX_LAYERS + "]");
        }
        if (data.remaining() < layerCount * 12L + Long.BYTES) {
            throw new ModelFormatException(name, "truncated in the layer table");
        }
        List<DenseLayer> layers = new ArrayList<>();
        long parameterBytes = 0;
        for (int l = 0; l < layerCount; l++) {
            int in = data.getInt();
            int out = data.getInt();
            int code = data.getInt();
            if (in < 1 || out < 1 || in > MAX_FEATURES || out > MAX_FEATURES) {
                throw new ModelFormatException(name, "layer " + l + " has " + in + " -> " + out + " features");
            }
            if (code < 0 || code >= Activation.values().length) {
                throw new ModelFormatException(name, "layer " + l + " has unknown activation " + code);
            }
            if (l > 0 && layers.get(l - 1).outFeatures() != in) {
                throw new ModelFormatException(name, "layer " + l + " takes " + in + " inputs but layer " + (l - 1)
                        + " gives " + layers.get(l - 1).outFeatures());
            }
            layers.add(new DenseLayer(in, out, Activation.values()[code]));
            parameterBytes += ((long) in * out + out) * Float.BYTES;
        }
        // the declared parameters must be exactly what the file holds: checked before allocating them
        if (data.remaining() != parameterBytes + Long.BYTES) {
            throw new ModelFormatException(name, (data.remaining() < parameterBytes + Long.BYTES ? "truncated: " : "trailing bytes: ")
                    + "the layers need " + parameterBytes + " bytes of parameters, the file has "
                    + (data.remaining() - Long.BYTES));
        }
        CRC32 crc = new CRC32();
        ByteBuffer checked = data.duplicate();
        checked.position(0).limit(length - Long.BYTES);
        crc.update(checked);
        long stored = data.getLong(length - Long.BYTES);
        if (stored != crc.getValue()) {
            throw new ModelFormatException(name, "checksum mismatch: the file is corrupt");
        }
        List<float[]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        for (DenseLayer layer : layers) {
            weights.add(readFloats(data, layer.weightCount()));
            biases.add(readFloats(data, layer.outFeatures()));
        }
        try {
            return Sequential.fromParameters(backend, layers, weights, biases);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name, e.getMessage());
        }
    }

    private static void writeInt(DataOutputStream out, int value) throws IOException {
        out.writeInt(Integer.reverseBytes(value));
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    private static float[] readFloats(ByteBuffer data, int count) {
        float[] values = new float[count];
        data.asFloatBuffer().get(values);
        data.position(data.position() + count * Float.BYTES);
        return values;
    }
}
