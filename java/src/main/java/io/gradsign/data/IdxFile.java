package io.gradsign.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * One IDX file (the format of MNIST and Fashion-MNIST), read whole into memory: its element type, its
 * dimensions and its elements in row-major order.
 *
 * <p>Layout: two zero bytes, the type byte ({@link IdxType#code()}), the number of dimensions, each
 * dimension as a big-endian int32, then the elements, big-endian. A file may be gzipped; that is told
 * from its first two bytes (0x1F 0x8B), never from its name.
 *
 * <p>Anything wrong with a file (bad magic, unknown type, a dimension that is zero or negative, more
 * than {@value #MAX_DIMENSIONS} dimensions, more elements than a Java array holds, less data than the
 * header declares, bytes after the data, a corrupt gzip stream) throws {@link IdxFormatException}.
 * Memory follows the data actually present, never the size the header declares: a header that declares
 * gigabytes in a 100-byte file fails after reading those 100 bytes.
 */
public final class IdxFile {
    /** The most dimensions a file may declare. */
    public static final int MAX_DIMENSIONS = 8;
    /** The most elements a file may declare: the largest Java array the JVM reliably allocates. */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    // read in 64 KiB chunks (a multiple of every element size); where the real size is unknown
    // (gzip, streams) the element array starts at 64 Ki elements and doubles as data arrives
    private static final int CHUNK_BYTES = 1 << 16;
    private static final int INITIAL_ELEMENTS = 1 << 16;

    private final String source;
    private final IdxType type;
    private final int[] dimensions;
    // byte[] (both byte types), short[], int[], float[] or double[], by type; never exposed
    private final Object data;

    private IdxFile(String source, IdxType type, int[] dimensions, Object data) {
        this.source = source;
        this.type = type;
        this.dimensions = dimensions;
        this.data = data;
    }

    /**
     * Reads an IDX file, plain or gzipped.
     *
     * @throws IdxFormatException if the file is not valid IDX; the message names the file and the problem
     * @throws IOException if the file cannot be read
     */
    public static IdxFile read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        long fileSize = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK_BYTES)) {
            // a plain file's size is known: the header is checked against it before any data is read
            return isGzip(in) ? readGzip(in, source) : decode(in, source, fileSize);
        }
    }

    /**
     * Writes {@code values} as a plain (not gzipped) IDX file of {@link IdxType#FLOAT} (0x0D, big-endian
     * float32) with {@code dimensions}, e.g. (count, rows, cols) for images: values kept exactly, where
     * unsigned bytes would round them to multiples of 1/255. {@link #read(Path)} reads it back.
     *
     * @throws IllegalArgumentException for dimensions that do not multiply to values.length
     * @throws IOException if the file cannot be written (a partly written file is removed)
     */
    public static void writeFloats(Path file, int[] dimensions, float[] values) throws IOException {
        Objects.requireNonNull(values, "values");
        write(file, IdxType.FLOAT, dimensions, values.length, out -> {
            for (float v : values) {
                out.writeFloat(v);
            }
        });
    }

    /**
     * Writes {@code values} (each in [0, 255]) as a plain IDX file of {@link IdxType#UNSIGNED_BYTE}
     * with {@code dimensions}: the format of MNIST's labels.
     *
     * @throws IllegalArgumentException for values out of range or dimensions that do not multiply to values.length
     * @throws IOException if the file cannot be written (a partly written file is removed)
     */
    public static void writeUnsignedBytes(Path file, int[] dimensions, int[] values) throws IOException {
        Objects.requireNonNull(values, "values");
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException("value " + i + " is " + values[i] + ", not in [0, 255]");
            }
        }
        write(file, IdxType.UNSIGNED_BYTE, dimensions, values.length, out -> {
            for (int v : values) {
                out.writeByte(v);
            }
        });
    }

    /** The elements' writer of {@link #write}. */
    private interface Elements {
        void writeTo(java.io.DataOutputStream out) throws IOException;
    }

    private static void write(Path file, IdxType type, int[] dimensions, int length, Elements elements)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(dimensions, "dimensions");
        if (dimensions.length < 1 || dimensions.length > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("an IDX file has 1 to " + MAX_DIMENSIONS + " dimensions, got "
                    + dimensions.length);
        }
        long product = 1;
        for (int d : dimensions) {
            if (d < 1) {
                throw new IllegalArgumentException("dimensions must be >= 1, got " + Arrays.toString(dimensions));
            }
            product *= d;
        }
        if (product != length) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dimensions) + " hold " + product
                    + " elements, not " + length);
        }
        boolean done = false;
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(file), CHUNK_BYTES))) {
            // header: two zero bytes, the type, the rank, each dimension as a big-endian int32
            out.writeShort(0);
            out.writeByte(type.code());
            out.writeByte(dimensions.length);
            for (int d : dimensions) {
                out.writeInt(d);
            }
            elements.writeTo(out);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Reads an IDX file, plain or gzipped, from a stream (a resource in a jar, say), to its end. The
     * stream is not closed.
     *
     * @param source names the stream in exception messages
     * @throws IdxFormatException if the stream is not valid IDX
     * @throws IOException if the stream cannot be read
     */
    public static IdxFile read(InputStream stream, String source) throws IOException {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(source, "source");
        InputStream unclosed = new FilterInputStream(stream) {
            @Override
            public void close() {
                // the caller owns the stream
            }
        };
        try (InputStream in = new BufferedInputStream(unclosed, CHUNK_BYTES)) {
            return isGzip(in) ? readGzip(in, source) : decode(in, source, -1);
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1F && second == 0x8B;
    }

    private static IdxFile readGzip(InputStream in, String source) throws IOException {
        // GZIPInputStream throws EOFException for a stream cut short and ZipException for bad bytes or CRC
        try (InputStream gzip = new GZIPInputStream(in, CHUNK_BYTES)) {
            return decode(gzip, source, -1);
        } catch (EOFException | ZipException e) {
            throw new IdxFormatException(source, "gzip stream is truncated or corrupt (" + e.getMessage() + ")", e);
        }
    }

    /** @param plainSize the size of the whole file where known, else -1 */
    private static IdxFile decode(InputStream in, String source, long plainSize) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IdxFormatException(source, "truncated header: the file ends after " + magic.length
                    + " of the 4 magic bytes");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(source, String.format(
                    "bad magic: starts with 0x%02X 0x%02X, an IDX file starts with two zero bytes (neither IDX nor gzip)",
                    magic[0] & 0xFF, magic[1] & 0xFF));
        }
        IdxType type;
        try {
            type = IdxType.ofCode(magic[2] & 0xFF);
        } catch (IllegalArgumentException e) {
            throw new IdxFormatException(source, String.format(
                    "unknown element type 0x%02X (IDX knows 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)", magic[2] & 0xFF));
        }
        int rank = magic[3] & 0xFF;
        if (rank == 0 || rank > MAX_DIMENSIONS) {
            throw new IdxFormatException(source, "declares " + rank + " dimensions; gradsign reads 1 to "
                    + MAX_DIMENSIONS);
        }

        byte[] dimensionBytes = in.readNBytes(4 * rank);
        if (dimensionBytes.length < 4 * rank) {
            throw new IdxFormatException(source, "truncated header: declares " + rank
                    + " dimensions but ends after " + dimensionBytes.length + " of their " + 4 * rank + " bytes");
        }
        ByteBuffer header = ByteBuffer.wrap(dimensionBytes); // big-endian
        int[] dimensions = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            dimensions[i] = header.getInt();
            if (dimensions[i] <= 0) {
                throw new IdxFormatException(source, "dimension " + i + " is " + dimensions[i]
                        + ", every dimension must be positive");
            }
            // elements <= MAX_ELEMENTS < 2^31 and a dimension < 2^31: the product fits in a long
            elements *= dimensions[i];
            if (elements > MAX_ELEMENTS) {
                throw new IdxFormatException(source, "declares dimensions " + Arrays.toString(dimensions)
                        + " (from dimension " + i + " on), more than the " + MAX_ELEMENTS
                        + " elements a Java array holds");
            }
        }

        long headerBytes = 4 + 4L * rank;
        long dataBytes = elements * type.bytes();
        String declared = describe(type, dimensions) + " (" + dataBytes + " bytes of data)";
        if (plainSize >= 0) {
            if (plainSize < headerBytes + dataBytes) {
                throw new IdxFormatException(source, "truncated data: the header declares " + declared
                        + " but the file holds only " + (plainSize - headerBytes) + " bytes after its header");
            }
            if (plainSize > headerBytes + dataBytes) {
                throw new IdxFormatException(source, "trailing garbage: " + (plainSize - headerBytes - dataBytes)
                        + " bytes after the " + declared);
            }
        }

        Object data = readElements(in, source, type, (int) elements, plainSize >= 0, declared);

        long trailing = in.transferTo(OutputStream.nullOutputStream());
        if (trailing > 0) {
            throw new IdxFormatException(source, "trailing garbage: " + trailing + " bytes after the " + declared);
        }
        return new IdxFile(source, type, dimensions, data);
    }

    /** @param sizeChecked whether the data's size was checked already (a plain file): allocate it at once */
    private static Object readElements(InputStream in, String source, IdxType type, int count,
                                       boolean sizeChecked, String declared) throws IOException {
        int size = type.bytes();
        int capacity = sizeChecked ? count : Math.min(count, INITIAL_ELEMENTS);
        Object array = newArray(type, capacity);
        byte[] chunk = new byte[CHUNK_BYTES];
        int filled = 0;
        while (filled < count) {
            int wanted = (int) Math.min((long) (count - filled) * size, CHUNK_BYTES);
            int got = in.readNBytes(chunk, 0, wanted);
            int whole = got / size;
            if (filled + whole > capacity) {
                capacity = (int) Math.min(count, Math.max(2L * capacity, (long) filled + whole));
                array = resize(array, capacity);
            }
            decodeChunk(ByteBuffer.wrap(chunk, 0, whole * size), type, array, filled, whole);
            filled += whole;
            if (got < wanted) {
                throw new IdxFormatException(source, "truncated data: the header declares " + declared
                        + " but the data ends after " + ((long) filled * size + got % size) + " bytes ("
                        + filled + " whole elements)");
            }
        }
        return array;
    }

    private static Object newArray(IdxType type, int length) {
        switch (type) {
            case UNSIGNED_BYTE:
            case SIGNED_BYTE:
                return new byte[length];
            case SHORT:
                return new short[length];
            case INT:
                return new int[length];
            case FLOAT:
                return new float[length];
            case DOUBLE:
                return new double[length];
            default:
                throw new AssertionError(type);
        }
    }

    private static Object resize(Object array, int length) {
        if (array instanceof byte[]) {
            return Arrays.copyOf((byte[]) array, length);
        } else if (array instanceof short[]) {
            return Arrays.copyOf((short[]) array, length);
        } else if (array instanceof int[]) {
            return Arrays.copyOf((int[]) array, length);
        } else if (array instanceof float[]) {
            return Arrays.copyOf((float[]) array, length);
        } else {
            return Arrays.copyOf((double[]) array, length);
        }
    }

    // chunk holds `count` big-endian elements; they go to array[offset, offset + count)
    private static void decodeChunk(ByteBuffer chunk, IdxType type, Object array, int offset, int count) {
        switch (type) {
            case UNSIGNED_BYTE:
            case SIGNED_BYTE:
                chunk.get((byte[]) array, offset, count);
                break;
            case SHORT:
                chunk.asShortBuffer().get((short[]) array, offset, count);
                break;
            case INT:
                chunk.asIntBuffer().get((int[]) array, offset, count);
                break;
            case FLOAT:
                chunk.asFloatBuffer().get((float[]) array, offset, count);
                break;
            case DOUBLE:
                chunk.asDoubleBuffer().get((double[]) array, offset, count);
                break;
            default:
                throw new AssertionError(type);
        }
    }

    private static String describe(IdxType type, int[] dimensions) {
        StringJoiner shape = new StringJoiner("×");
        for (int dimension : dimensions) {
            shape.add(Integer.toString(dimension));
        }
        return shape + " " + type.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " elements";
    }

    /** The file (or stream) this was read from, as named in exception messages. */
    public String source() {
        return source;
    }

    /** The element type. */
    public IdxType type() {
        return type;
    }

    /** The dimensions, outermost first (for MNIST images: count, rows, cols). A copy. */
    public int[] dimensions() {
        return dimensions.clone();
    }

    /** The number of dimensions, 1 to {@value #MAX_DIMENSIONS}. */
    public int rank() {
        return dimensions.length;
    }

    /**
     * One dimension.
     *
     * @throws IllegalArgumentException if {@code index} is not in [0, rank)
     */
    public int dimension(int index) {
        if (index < 0 || index >= dimensions.length) {
            throw new IllegalArgumentException("dimension index " + index + " is outside [0, " + dimensions.length + ")");
        }
        return dimensions[index];
    }

    /** The number of elements: the product of the dimensions. */
    public int elementCount() {
        return Array.getLength(data);
    }

    /**
     * The elements of an {@link IdxType#UNSIGNED_BYTE} or {@link IdxType#SIGNED_BYTE} file as they are
     * stored (unsigned values read back with {@code b & 0xFF}). A copy.
     *
     * @throws IllegalStateException for other types
     */
    public byte[] bytes() {
        requireType("bytes", IdxType.UNSIGNED_BYTE, IdxType.SIGNED_BYTE);
        return ((byte[]) data).clone();
    }

    /**
     * The elements of a {@link IdxType#SHORT} file. A copy.
     *
     * @throws IllegalStateException for other types
     */
    public short[] shorts() {
        requireType("shorts", IdxType.SHORT);
        return ((short[]) data).clone();
    }

    /**
     * The elements of any integer file as ints: unsigned bytes as 0 to 255, signed bytes as -128 to 127.
     * This is how labels are read.
     *
     * @throws IllegalStateException for float and double files
     */
    public int[] ints() {
        requireType("ints", IdxType.UNSIGNED_BYTE, IdxType.SIGNED_BYTE, IdxType.SHORT, IdxType.INT);
        if (type == IdxType.INT) {
            return ((int[]) data).clone();
        }
        int[] result = new int[elementCount()];
        if (type == IdxType.SHORT) {
            short[] shorts = (short[]) data;
            for (int i = 0; i < result.length; i++) {
                result[i] = shorts[i];
            }
        } else {
            byte[] bytes = (byte[]) data;
            int mask = type == IdxType.UNSIGNED_BYTE ? 0xFF : -1;
            for (int i = 0; i < result.length; i++) {
                result[i] = bytes[i] & mask;
            }
        }
        return result;
    }

    /**
     * The elements of a {@link IdxType#FLOAT} file. A copy.
     *
     * @throws IllegalStateException for other types
     */
    public float[] floats() {
        requireType("floats", IdxType.FLOAT);
        return ((float[]) data).clone();
    }

    /**
     * The elements of a {@link IdxType#DOUBLE} file. A copy.
     *
     * @throws IllegalStateException for other types
     */
    public double[] doubles() {
        requireType("doubles", IdxType.DOUBLE);
        return ((double[]) data).clone();
    }

    /**
     * The elements of an {@link IdxType#UNSIGNED_BYTE} file scaled to [0, 1] ({@code byte / 255f}): how
     * image pixels are read. For MNIST images the result is (count, rows·cols), row-major.
     *
     * @throws IllegalStateException for other types
     */
    public float[] toUnitFloats() {
        requireType("unsigned bytes scaled to [0, 1]", IdxType.UNSIGNED_BYTE);
        byte[] bytes = (byte[]) data;
        float[] result = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            result[i] = (bytes[i] & 0xFF) / 255f;
        }
        return result;
    }

    private void requireType(String what, IdxType... allowed) {
        for (IdxType candidate : allowed) {
            if (type == candidate) {
                return;
            }
        }
        throw new IllegalStateException(source + " holds " + describe(type, dimensions) + ", not " + what);
    }

    @Override
    public String toString() {
        return "IdxFile[" + describe(type, dimensions) + " from " + source + "]";
    }
}
