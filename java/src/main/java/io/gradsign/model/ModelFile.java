package io.gradsign.model;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.Shape;
import io.gradsign.nn.Dense;
import io.gradsign.nn.Layer;
import io.gradsign.nn.LayerSpec;
import io.gradsign.nn.Network;
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
 * Saves and loads {@link Network}s. Version 2, all integers and floats little-endian:
 * <pre>
 *   bytes 0-7   "GRADSIGN"
 *   int32       format version (2)
 *   int32       input rank R (1..4), then R int32 dimensions of one sample's input
 *   int32       length S (1..4096) of the layer spec, then S bytes of it, ASCII ({@link LayerSpec})
 *   for each parameter of each layer in order (weights, then bias):
 *               float32 values, row-major in the shape the layers give it
 *   int64       CRC-32 of every byte before it
 * </pre>
 * Version 1 (dense layers only; still read): after the version, int32 layer count L (1..64); L times
 * int32 inFeatures, int32 outFeatures, int32 activation (0 none, 1 relu, 2 tanh); L times float32
 * weights[out * in] and bias[out]; the CRC. A truncated or corrupt file of either version fails with a
 * {@link ModelFormatException} naming the file and the problem; sizes are checked against the file's
 * length before anything is allocated.
 */
public final class ModelFile {
    private static final byte[] MAGIC = "GRADSIGN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 2;
    private static final int MAX_LAYERS = 64;
    private static final int MAX_FEATURES = 1 << 24;
    private static final int MAX_RANK = 4;
    private static final int MAX_SPEC = 4096;

    private ModelFile() {}

    /** A model file that cannot be read: truncated, corrupt, or of another format or version. */
    public static final class ModelFormatException extends IOException {
        public ModelFormatException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    /**
     * Writes {@code model}'s input shape, layers and parameters to {@code file} (replacing a file, through
     * a temporary file beside it that is removed whatever happens).
     *
     * @throws IllegalArgumentException if a parameter is NaN or infinite ({@link #load} would refuse the
     *     file); nothing is written
     * @throws java.nio.file.FileSystemException if {@code file} is a directory; nothing is written
     */
    public static void save(Network model, Path file) throws IOException {
        model.checkOpen();
        if (Files.isDirectory(file)) {
            throw new java.nio.file.FileSystemException(file.toString(), null, "is a directory, not a model file");
        }
        List<float[]> parameters = model.parameterValues();
        for (int p = 0; p < parameters.size(); p++) {
            float[] values = parameters.get(p);
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new IllegalArgumentException("parameter array " + p + " of the model holds " + values[i]
                            + " at " + i + ": not saved, no model file may hold a value that is not finite");
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            writeInt(out, VERSION);
            int[] dims = model.inputShape().dims();
            writeInt(out, dims.length);
            for (int d : dims) {
                writeInt(out, d);
            }
            byte[] spec = model.spec().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            writeInt(out, spec.length);
            out.write(spec);
            for (float[] values : parameters) {
                writeFloats(out, values);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        ByteBuffer tail = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(crc.getValue());
        bytes.write(tail.array());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(temporary, bytes.toByteArray());
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Reads a model from {@code file} onto {@code backend}. */
    public static Network load(Backend backend, Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ModelFormatException(file, "is a directory, not a model file");
        }
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "file of " + size + " bytes is larger than any model this format holds");
        }
        return read(backend, ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN), file);
    }

    /** Reads a model from the bytes of a model file (a resource, for example); {@code name} is for messages. */
    public static Network read(Backend backend, ByteBuffer data, Path name) throws ModelFormatException {
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
        Shape input;
        List<Layer> layers;
        if (version == 1) {
            layers = new ArrayList<>();
            input = readVersion1Layers(data, name, layers);
        } else if (version == 2) {
            int rank = data.getInt();
            if (rank < 1 || rank > MAX_RANK) {
                throw new ModelFormatException(name, "input rank " + rank + " is outside [1, " + MAX_RANK + "]");
            }
            if (data.remaining() < rank * 4L + 4 + Long.BYTES) {
                throw new ModelFormatException(name, "truncated in the input shape");
            }
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.getInt();
                if (dims[i] < 1 || dims[i] > MAX_FEATURES) {
                    throw new ModelFormatException(name, "input dimension " + i + " is " + dims[i]);
                }
                count *= dims[i];
                if (count > MAX_FEATURES) {
                    throw new ModelFormatException(name, "input of more than " + MAX_FEATURES + " floats");
                }
            }
            input = Shape.of(dims);
            int specLength = data.getInt();
            if (specLength < 1 || specLength > MAX_SPEC || data.remaining() < specLength + (long) Long.BYTES) {
                throw new ModelFormatException(name, "layer spec of " + specLength + " bytes is outside [1, " + MAX_SPEC
                        + "] or past the end of the file");
            }
            byte[] spec = new byte[specLength];
            data.get(spec);
            try {
                layers = LayerSpec.parse(new String(spec, java.nio.charset.StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(name, e.getMessage());
            }
            if (layers.size() > MAX_LAYERS) {
                throw new ModelFormatException(name, layers.size() + " layers, more than " + MAX_LAYERS);
            }
        } else {
            throw new ModelFormatException(name, "format version " + version + ", this library reads versions 1 and 2");
        }
        List<Shape> shapes;
        try {
            shapes = Network.parameterShapes(input, layers);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ModelFormatException(name, e.getMessage());
        }
        long parameterBytes = 0;
        for (Shape shape : shapes) {
            parameterBytes += shape.size() * Float.BYTES;
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
        List<float[]> values = new ArrayList<>();
        for (Shape shape : shapes) {
            values.add(readFloats(data, (int) shape.size()));
        }
        try {
            return Network.fromParameters(backend, input, layers, values);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name, e.getMessage());
        }
    }

    /** Version 1's dense layer table into {@code layers}; returns the input shape. */
    private static Shape readVersion1Layers(ByteBuffer data, Path name, List<Layer> layers) throws ModelFormatException {
        int layerCount = data.getInt();
        if (layerCount < 1 || layerCount > MAX_LAYERS) {
            throw new ModelFormatException(name, "layer count " + layerCount + " is outside [1, " + MAX_LAYERS + "]");
        }
        if (data.remaining() < layerCount * 12L + Long.BYTES) {
            throw new ModelFormatException(name, "truncated in the layer table");
        }
        int inputs = 0;
        int previous = 0;
        for (int l = 0; l < layerCount; l++) {
            int in = data.getInt();
            int out = data.getInt();
            int code = data.getInt();
            if (in < 1 || out < 1 || in > MAX_FEATURES || out > MAX_FEATURES) {
                throw new ModelFormatException(name, "layer " + l + " has " + in + " -> " + out + " features");
            }
            if (code < 0 || code > 2) {
                throw new ModelFormatException(name, "layer " + l + " has unknown activation " + code);
            }
            if (l > 0 && previous != in) {
                throw new ModelFormatException(name, "layer " + l + " takes " + in + " inputs but layer " + (l - 1)
                        + " gives " + previous);
            }
            if (l == 0) {
                inputs = in;
            }
            layers.add(new Dense(out, Activation.values()[code]));
            previous = out;
        }
        return Shape.of(inputs);
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
