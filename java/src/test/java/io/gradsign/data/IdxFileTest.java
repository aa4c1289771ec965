package io.gradsign.data;

import static io.gradsign.data.IdxTestFiles.concat;
import static io.gradsign.data.IdxTestFiles.file;
import static io.gradsign.data.IdxTestFiles.gzip;
import static io.gradsign.data.IdxTestFiles.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.TestBackends;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** IdxFile reads back what an independent writer wrote, and names the file and the problem in every broken one. */
class IdxFileTest {
    @TempDir
    Path folder;

    static Stream<Arguments> roundTrips() {
        int[][] shapes = {{7}, {3, 5}, {4, 3, 2}, {2, 3, 1, 5}, {3, 300, 300}};
        List<Arguments> cases = new ArrayList<>();
        for (IdxType type : IdxType.values()) {
            for (int[] shape : shapes) {
                for (boolean gzipped : new boolean[] {false, true}) {
                    cases.add(Arguments.of(type, shape, gzipped));
                }
            }
        }
        return cases.stream();
    }

    /** Every type, 1 to 4 dimensions, and one file large enough (270000 elements) to grow the buffer. */
    @ParameterizedTest(name = "{0}, dimensions {1}, gzip {2}")
    @MethodSource("roundTrips")
    void readsBackWhatWasWritten(IdxType type, int[] shape, boolean gzipped) throws IOException {
        long seed = 31L * type.ordinal() + 7L * shape.length + (gzipped ? 1 : 0) + shape[shape.length - 1];
        int count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        Object data = randomData(type, count, new Random(seed));
        byte[] bytes = file(type, shape, data);
        // a gzipped file named without .gz and a plain one named .gz: the content decides, not the name
        Path path = folder.resolve(gzipped ? "data.idx" : "data.idx.gz");
        Files.write(path, gzipped ? gzip(bytes) : bytes);

        IdxFile idx = IdxFile.read(path);

        String context = type + " " + Arrays.toString(shape) + " gzip " + gzipped + " seed " + seed;
        assertEquals(type, idx.type(), context);
        assertArrayEquals(shape, idx.dimensions(), context);
        assertEquals(shape.length, idx.rank(), context);
        assertEquals(count, idx.elementCount(), context);
        assertElementsEqual(type, data, idx, context);
    }

    @Test
    void unsignedBytesBecomeLabelsAndPixelsInUnitRange() throws IOException {
        byte[] values = new byte[256];
        for (int i = 0; i < 256; i++) {
            values[i] = (byte) i;
        }
        Path path = write("bytes.idx", file(IdxType.UNSIGNED_BYTE, new int[] {4, 8, 8}, values));
        IdxFile idx = IdxFile.read(path);

        int[] ints = idx.ints();
        float[] unit = idx.toUnitFloats();
        for (int i = 0; i < 256; i++) {
            assertEquals(i, ints[i], "unsigned byte " + i);
            assertEquals(i / 255f, unit[i], "pixel " + i);
        }
        assertEquals(0f, unit[0]);
        assertEquals(1f, unit[255]);
    }

    @Test
    void signedBytesAndShortsWidenToInts() throws IOException {
        IdxFile signed = IdxFile.read(write("s.idx", file(IdxType.SIGNED_BYTE, new int[] {3},
                new byte[] {-128, -1, 127})));
        assertArrayEquals(new int[] {-128, -1, 127}, signed.ints());
        IdxFile shorts = IdxFile.read(write("h.idx", file(IdxType.SHORT, new int[] {3},
                new short[] {Short.MIN_VALUE, -1, Short.MAX_VALUE})));
        assertArrayEquals(new int[] {Short.MIN_VALUE, -1, Short.MAX_VALUE}, shorts.ints());
    }

    @Test
    void accessorOfAnotherTypeIsRefused() throws IOException {
        IdxFile floats = IdxFile.read(write("f.idx", file(IdxType.FLOAT, new int[] {2}, new float[] {1f, 2f})));
        IllegalStateException e = assertThrows(IllegalStateException.class, floats::ints);
        assertTrue(e.getMessage().contains("float"), e.getMessage());
        assertThrows(IllegalStateException.class, floats::toUnitFloats);
        assertThrows(IllegalStateException.class, floats::bytes);
        assertThrows(IllegalStateException.class, floats::doubles);
        assertThrows(IllegalArgumentException.class, () -> floats.dimension(1));
    }

    @Test
    void accessorsReturnCopies() throws IOException {
        IdxFile idx = IdxFile.read(write("i.idx", file(IdxType.INT, new int[] {2}, new int[] {5, 6})));
        idx.ints()[0] = 99;
        idx.dimensions()[0] = 99;
        assertArrayEquals(new int[] {5, 6}, idx.ints());
        assertArrayEquals(new int[] {2}, idx.dimensions());
    }

    @Test
    void readsStreamsWithoutClosingThem() throws IOException {
        byte[] bytes = gzip(file(IdxType.INT, new int[] {2, 2}, new int[] {1, -2, 3, Integer.MIN_VALUE}));
        boolean[] closed = {false};
        ByteArrayInputStream stream = new ByteArrayInputStream(bytes) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        IdxFile idx = IdxFile.read(stream, "test stream");
        assertArrayEquals(new int[] {1, -2, 3, Integer.MIN_VALUE}, idx.ints());
        assertEquals("test stream", idx.source());
        assertFalse(closed[0], "read(InputStream, String) closed the caller's stream");
    }

    static Stream<Arguments> brokenFiles() {
        byte[] validData = IdxTestFiles.elements(IdxType.UNSIGNED_BYTE, new byte[12]);
        return Stream.of(
                Arguments.of("empty file", new byte[0], "truncated header"),
                Arguments.of("3 bytes", new byte[] {0, 0, 8}, "truncated header"),
                Arguments.of("dimensions cut short", Arrays.copyOf(header(0x08, 3, 4), 10), "truncated header"),
                Arguments.of("bad magic", concat(new byte[] {1, 0, 8, 1, 0, 0, 0, 1}, new byte[1]), "bad magic"),
                Arguments.of("text file", "hello, not IDX".getBytes(), "bad magic"),
                Arguments.of("unknown type 0x0A", concat(header(0x0A, 12), validData), "unknown element type 0x0A"),
                Arguments.of("zero dimensions", new byte[] {0, 0, 8, 0, 1, 2, 3}, "declares 0 dimensions"),
                Arguments.of("9 dimensions", concat(header(0x08, 1, 1, 1, 1, 1, 1, 1, 1, 12), validData),
                        "declares 9 dimensions"),
                Arguments.of("zero dimension", concat(header(0x08, 3, 0, 4), validData), "dimension 1 is 0"),
                Arguments.of("negative dimension", concat(header(0x08, -1), validData), "dimension 0 is -1"),
                Arguments.of("over 2^31 elements", concat(header(0x08, 65536, 65536), validData),
                        "more than the 2147483639 elements"),
                Arguments.of("over 2^31 elements, 8 dimensions", header(0x0D, 1000, 1000, 1000, 1000, 1, 1, 1, 1),
                        "more than the 2147483639 elements"),
                Arguments.of("truncated data", concat(header(0x08, 3, 5), validData), "truncated data"),
                Arguments.of("data of a float cut mid-element", concat(header(0x0D, 4), new byte[14]),
                        "truncated data"),
                Arguments.of("trailing garbage", concat(header(0x08, 2, 5), validData), "trailing garbage: 2 bytes"));
    }

    @ParameterizedTest(name = "{0}, plain")
    @MethodSource("brokenFiles")
    void brokenPlainFileNamesFileAndProblem(String what, byte[] bytes, String problem) throws IOException {
        assertBroken(write("broken.idx", bytes), problem);
    }

    @ParameterizedTest(name = "{0}, gzipped")
    @MethodSource("brokenFiles")
    void brokenGzippedFileNamesFileAndProblem(String what, byte[] bytes, String problem) throws IOException {
        assertBroken(write("broken.idx.gz", gzip(bytes)), problem);
    }

    /** A gzip stream cut anywhere after its 10-byte header: the data or the CRC trailer goes missing. */
    @ParameterizedTest(name = "gzip cut to {0}% of its length")
    @ValueSource(ints = {20, 50, 90, 99})
    void gzipTruncatedMidStream(int percent) throws IOException {
        byte[] data = new byte[5000];
        new Random(percent).nextBytes(data); // random: incompressible, so the stream is long
        byte[] compressed = gzip(file(IdxType.UNSIGNED_BYTE, new int[] {50, 100}, data));
        int cut = Math.max(11, compressed.length * percent / 100);
        assertBroken(write("cut.idx.gz", Arrays.copyOf(compressed, cut)), "gzip stream is truncated or corrupt");
    }

    @Test
    void gzipWithBadCrcIsCorrupt() throws IOException {
        byte[] compressed = gzip(file(IdxType.UNSIGNED_BYTE, new int[] {4}, new byte[] {1, 2, 3, 4}));
        compressed[compressed.length - 8] ^= 1; // the CRC32 of the trailer
        assertBroken(write("crc.idx.gz", compressed), "gzip stream is truncated or corrupt");
    }

    @Test
    void gzipHeaderOnly() throws IOException {
        assertBroken(write("magic.gz", new byte[] {0x1F, (byte) 0x8B}), "gzip stream is truncated or corrupt");
    }

    /**
     * A header that declares 1.6 GB of floats in a file of a few bytes fails once the bytes present are
     * read, without allocating the declared size: plain (checked against the file's size) and gzipped
     * (the buffer grows only as data arrives). Asserted on the bytes this thread allocated.
     */
    @ParameterizedTest(name = "gzip {0}")
    @ValueSource(booleans = {false, true})
    void hugeDeclarationInTinyFileFailsWithoutAllocating(boolean gzipped) throws IOException {
        byte[] bytes = concat(header(0x0D, 20000, 20000), new byte[80]); // 4·10^8 floats declared, 20 present
        Path path = write("huge.idx", gzipped ? gzip(bytes) : bytes);
        com.sun.management.ThreadMXBean threads = TestBackends.allocationCounter();

        long before = threads.getCurrentThreadAllocatedBytes();
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(path));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(e.getMessage().contains("truncated data"), e.getMessage());
        assertTrue(e.getMessage().contains("20000×20000"), e.getMessage());
        assertTrue(allocated < 8L << 20, "reading a " + Files.size(path) + "-byte file allocated " + allocated
                + " bytes");
    }

    /** The gzip path grows its buffer: memory stays near the data present even for a large declaration. */
    @Test
    void gzipAllocationFollowsTheDataPresent() throws IOException {
        // declares 10^8 bytes, holds 10^6: the buffer may double past the data, not reach 10^8
        byte[] bytes = concat(header(0x08, 100, 1000, 1000), new byte[1_000_000]);
        Path path = write("partial.idx.gz", gzip(bytes));
        com.sun.management.ThreadMXBean threads = TestBackends.allocationCounter();

        long before = threads.getCurrentThreadAllocatedBytes();
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(path));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(e.getMessage().contains("truncated data") && e.getMessage().contains("1000000 bytes"),
                e.getMessage());
        assertTrue(allocated < 16L << 20, "a gzip stream of 10^6 bytes of data allocated " + allocated + " bytes");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path path = folder.resolve(name);
        Files.write(path, bytes);
        return path;
    }

    private static void assertBroken(Path path, String problem) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(path));
        assertTrue(e.getMessage().startsWith(path.toString() + ": "), "message does not name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected '" + problem + "' in: " + e.getMessage());
        assertEquals(path.toString(), e.source());
    }

    // random values plus the edge values of each type (NaN, -0, infinities, extremes)
    private static Object randomData(IdxType type, int count, Random random) {
        switch (type) {
            case UNSIGNED_BYTE:
            case SIGNED_BYTE: {
                byte[] data = new byte[count];
                random.nextBytes(data);
                return data;
            }
            case SHORT: {
                short[] data = new short[count];
                for (int i = 0; i < count; i++) {
                    data[i] = (short) random.nextInt();
                }
                data[0] = Short.MIN_VALUE;
                return data;
            }
            case INT: {
                int[] data = random.ints(count).toArray();
                data[0] = Integer.MIN_VALUE;
                return data;
            }
            case FLOAT: {
                float[] data = new float[count];
                for (int i = 0; i < count; i++) {
                    data[i] = (float) random.nextGaussian() * 100f;
                }
                float[] edges = {Float.NaN, -0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE};
                System.arraycopy(edges, 0, data, 0, Math.min(count, edges.length));
                return data;
            }
            case DOUBLE: {
                double[] data = random.doubles(count).map(x -> (x - 0.5) * 1e6).toArray();
                double[] edges = {Double.NaN, -0d, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE};
                System.arraycopy(edges, 0, data, 0, Math.min(count, edges.length));
                return data;
            }
            default:
                throw new AssertionError(type);
        }
    }

    // compares bit for bit (NaN equals NaN, -0 differs from 0), and insists the data is not all zero
    private static void assertElementsEqual(IdxType type, Object expected, IdxFile idx, String context) {
        switch (type) {
            case UNSIGNED_BYTE:
            case SIGNED_BYTE:
                assertArrayEquals((byte[]) expected, idx.bytes(), context);
                break;
            case SHORT:
                assertArrayEquals((short[]) expected, idx.shorts(), context);
                break;
            case INT:
                assertArrayEquals((int[]) expected, idx.ints(), context);
                break;
            case FLOAT: {
                float[] actual = idx.floats();
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(Float.floatToRawIntBits(((float[]) expected)[i]), Float.floatToRawIntBits(actual[i]),
                            context + " element " + i);
                }
                break;
            }
            case DOUBLE: {
                double[] actual = idx.doubles();
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(((double[]) expected)[i]),
                            Double.doubleToRawLongBits(actual[i]), context + " element " + i);
                }
                break;
            }
            default:
                throw new AssertionError(type);
        }
        byte[] raw = IdxTestFiles.elements(type, expected);
        boolean allZero = true;
        for (byte b : raw) {
            allZero &= b == 0;
        }
        assertFalse(allZero, context + ": test data is all zero, the comparison would prove nothing");
    }

    @Test
    void writtenFloatsAndBytesReadBackExactly() throws IOException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        float[] values = new float[3 * 5 * 4];
        for (int i = 0; i < values.length; i++) {
            // values that unsigned bytes would round: the point of writing float32
            values[i] = random.nextFloat() * 2 - 0.5f;
        }
        values[0] = -0f;
        values[1] = Float.MIN_VALUE;
        Path floats = folder.resolve("x-idx3-float");
        IdxFile.writeFloats(floats, new int[] {3, 5, 4}, values);
        IdxFile read = IdxFile.read(floats);
        assertEquals(IdxType.FLOAT, read.type(), "seed " + seed);
        assertArrayEquals(new int[] {3, 5, 4}, read.dimensions());
        float[] back = read.floats();
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]), "element " + i
                    + ", seed " + seed);
        }
        assertEquals(4 + 3 * 4 + values.length * 4L, Files.size(floats));

        int[] labels = {0, 9, 255, 7};
        Path bytes = folder.resolve("y-idx1-ubyte");
        IdxFile.writeUnsignedBytes(bytes, new int[] {4}, labels);
        IdxFile labelsRead = IdxFile.read(bytes);
        assertEquals(IdxType.UNSIGNED_BYTE, labelsRead.type());
        assertArrayEquals(labels, labelsRead.ints());
    }

    @Test
    void writingRefusesShapesThatDoNotFitAndLeavesNothing() {
        Path file = folder.resolve("bad");
        assertThrows(IllegalArgumentException.class, () -> IdxFile.writeFloats(file, new int[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> IdxFile.writeFloats(file, new int[] {0}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> IdxFile.writeUnsignedBytes(file, new int[] {1}, new int[] {256}));
        assertFalse(Files.exists(file));
    }
}
