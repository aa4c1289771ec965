package io.gradsign.train;

import io.gradsign.nn.Network;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;

/**
 * A trainer's state file, the half of a checkpoint beside the model file. Little-endian:
 * <pre>
 *   bytes 0-7  "GSTRAIN1"
 *   int32      length D (1..65536) of the configuration's description, then D bytes of it, UTF-8
 *   int32      epochs done, int64 steps done
 *   int64      CRC-32 of the model's parameters when saved (their float32 bits, little-endian, in order)
 *   int32      tensor count T (1..4096); T times: int64 length, then that many float32 (momentum buffers)
 *   int64      CRC-32 of every byte before it
 * </pre>
 * Sizes are checked against the expected ones and the file's length before anything is allocated.
 *
 * @param epochsDone epochs finished when saved
 * @param stepsDone optimiser steps taken when saved
 * @param velocity the momentum buffers
 */
public record TrainerState(int epochsDone, long stepsDone, float[][] velocity) {
    private static final byte[] MAGIC = "GSTRAIN1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_DESCRIPTION = 1 << 16;
    private static final int MAX_TENSORS = 4096;

    /** A state file that cannot be used: corrupt, truncated, or of another run. */
    public static final class StateFormatException extends IOException {
        public StateFormatException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    static long checksum(Network model) {
        CRC32 crc = new CRC32();
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] values : model.parameterValues()) {
            for (float v : values) {
                if (bytes.remaining() < Float.BYTES) {
                    crc.update(bytes.array(), 0, bytes.position());
                    bytes.clear();
                }
                bytes.putFloat(v);
            }
        }
        crc.update(bytes.array(), 0, bytes.position());
        return crc.getValue();
    }

    static void write(Path file, String description, int epochsDone, long stepsDone, long modelChecksum,
                      float[][] velocity) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            byte[] text = description.getBytes(StandardCharsets.UTF_8);
            ByteBuffer head = ByteBuffer.allocate(4 + text.length + 4 + 8 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(text.length).put(text).putInt(epochsDone).putLong(stepsDone).putLong(modelChecksum)
                    .putInt(velocity.length);
            out.write(head.array());
            for (float[] values : velocity) {
                ByteBuffer b = ByteBuffer.allocate(8 + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                b.putLong(values.length);
                b.asFloatBuffer().put(values);
                out.write(b.array());
            }
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        bytes.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(crc.getValue()).array());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(temporary, bytes.toByteArray());
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static TrainerState read(Path file, String description, long[] lengths, long modelChecksum) throws IOException {
        if (Files.isDirectory(file)) {
            throw new StateFormatException(file, "is a directory, not a trainer state file");
        }
        long expected = MAGIC.length + 4L + MAX_DESCRIPTION + 4 + 8 + 8 + 4 + 8;
        for (long n : lengths) {
            expected += 8 + 4 * n;
        }
        long size = Files.size(file);
        if (size > expected) {
            throw new StateFormatException(file, "file of " + size + " bytes is larger than this model's state ("
                    + expected + " at most)");
        }
        byte[] all = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new StateFormatException(file, "not a gradsign trainer state file");
            }
            if (all.length < 8) {
                throw new StateFormatException(file, "truncated");
            }
            CRC32 crc = new CRC32();
            crc.update(all, 0, all.length - 8);
            long stored = ByteBuffer.wrap(all, all.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (stored != crc.getValue()) {
                throw new StateFormatException(file, "checksum mismatch: the file is corrupt or truncated");
            }
            int length = in.getInt();
            if (length < 1 || length > MAX_DESCRIPTION || length > in.remaining()) {
                throw new StateFormatException(file, "bad description length " + length);
            }
            byte[] text = new byte[length];
            in.get(text);
            String saved = new String(text, StandardCharsets.UTF_8);
            if (!saved.equals(description)) {
                throw new StateFormatException(file, "it was saved by another run: [" + saved + "], this run is ["
                        + description + "]");
            }
            int epochs = in.getInt();
            long steps = in.getLong();
            long checksum = in.getLong();
            if (epochs < 0 || steps < 0) {
                throw new StateFormatException(file, "negative epochs or steps: " + epochs + ", " + steps);
            }
            if (checksum != modelChecksum) {
                throw new StateFormatException(file, "the model's parameters are not the ones saved with this state"
                        + " (a model file of another epoch or run?)");
            }
            int count = in.getInt();
            if (count != lengths.length) {
                throw new StateFormatException(file, count + " momentum buffers, this model has " + lengths.length);
            }
            float[][] velocity = new float[count][];
            for (int k = 0; k < count; k++) {
                long n = in.getLong();
                if (n != lengths[k]) {
                    throw new StateFormatException(file, "momentum buffer " + k + " holds " + n + " floats, the model's "
                            + "parameter " + lengths[k]);
                }
                velocity[k] = new float[(int) n];
                in.asFloatBuffer().get(velocity[k]);
                in.position(in.position() + 4 * (int) n);
            }
            if (in.remaining() != 8) {
                throw new StateFormatException(file, in.remaining() - 8 + " unexpected bytes at the end");
            }
            return new TrainerState(epochs, steps, velocity);
        } catch (BufferUnderflowException e) {
            throw new StateFormatException(file, "truncated");
        }
    }
}
