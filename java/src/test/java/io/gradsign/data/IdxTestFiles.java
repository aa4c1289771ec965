package io.gradsign.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

/** Builds IDX bytes in tests, valid or deliberately broken: an independent writer to check the reader against. */
final class IdxTestFiles {
    private IdxTestFiles() {
    }

    /** A header: two zero bytes, the type code, the rank, the dimensions (big-endian). */
    static byte[] header(int typeCode, int... dimensions) {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dimensions.length);
        header.put((byte) 0).put((byte) 0).put((byte) typeCode).put((byte) dimensions.length);
        for (int dimension : dimensions) {
            header.putInt(dimension);
        }
        return header.array();
    }

    /** A whole file: the header, then {@code data} (byte[], short[], int[], float[] or double[]) big-endian. */
    static byte[] file(IdxType type, int[] dimensions, Object data) {
        return concat(header(type.code(), dimensions), elements(type, data));
    }

    static byte[] elements(IdxType type, Object data) {
        int length = java.lang.reflect.Array.getLength(data);
        ByteBuffer out = ByteBuffer.allocate(length * type.bytes()); // big-endian
        switch (type) {
            case UNSIGNED_BYTE:
            case SIGNED_BYTE:
                out.put((byte[]) data);
                break;
            case SHORT:
                out.asShortBuffer().put((short[]) data);
                break;
            case INT:
                out.asIntBuffer().put((int[]) data);
                break;
            case FLOAT:
                out.asFloatBuffer().put((float[]) data);
                break;
            case DOUBLE:
                out.asDoubleBuffer().put((double[]) data);
                break;
            default:
                throw new AssertionError(type);
        }
        return out.array();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(buffer)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
