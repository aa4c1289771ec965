package io.gradsign.attack;

import io.gradsign.Labels;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.nn.Claim;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * The buffers attacks run in on one network: a {@link Workspace} for batches of up to
 * {@link #capacity()} samples and what the attacks add to it (MI-FGSM's momentum, the per-sample state of
 * APGD, DeepFool and Carlini-Wagner), allocated once
 * and reused by every run. Inputs larger than the capacity run as a stream of batches.
 *
 * <p>Threads: a session serves one thread at a time (a run while another thread's is inside gets
 * an {@link IllegalStateException}); give each thread its own session: they may share the network.
 */
public final class AttackSession implements AutoCloseable {
    private final Network network;
    private final Workspace workspace;
    private final Map<String, Tensor> buffers = new HashMap<>();
    private Labels targets;
    private IntConsumer progress = n -> {};

    /** A session on {@code network} for batches of up to {@code capacity} samples. */
    public AttackSession(Network network, int capacity) {
        this.network = Objects.requireNonNull(network, "network");
        this.workspace = network.workspace(capacity);
    }

    /** {@code attack.run(this, goal, images, labels)}. */
    public AttackResult run(Attack attack, Goal goal, float[] images, int[] labels) {
        return Objects.requireNonNull(attack, "attack").run(this, goal, images, labels);
    }

    public Network network() {
        return network;
    }

    /** The largest batch one pass takes. */
    public int capacity() {
        return workspace.capacity();
    }

    /** The workspace the attacks run in, for code that builds its own steps (it serves the session's thread). */
    public Workspace workspace() {
        return workspace;
    }

    /**
     * Tells {@code listener} the samples of each batch an attack finishes, from the session's
     * thread (for progress bars over a long run); null for none. Results do not depend on it.
     */
    public void onProgress(IntConsumer listener) {
        progress = listener == null ? n -> {} : listener;
    }

    /** Called by the attacks after each batch of {@code samples}. */
    void reportProgress(int samples) {
        progress.accept(samples);
    }

    /** Holds the session for the calling thread for one run. */
    Claim claim() {
        return workspace.claim();
    }

    /** MI-FGSM's momentum buffer for {@code batch} samples, (batch, input shape...); allocated at the first call. */
    Tensor momentum(int batch) {
        return rows("mifgsm.momentum", batch);
    }

    /**
     * The session's buffer called {@code name}: {@code rows} input-shaped rows, (rows, input shape...),
     * allocated at the first call for max(rows, capacity) rows and again if a later call asks for
     * more; its contents are the caller's between calls.
     */
    Tensor rows(String name, int rows) {
        Tensor buffer = buffers.get(name);
        if (buffer == null || buffer.shape().dim(0) < rows) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = network.backend().allocate(Shape.batchOf(Math.max(rows, capacity()), network.inputShape()));
            buffers.put(name, buffer);
        }
        return buffer.slice(0, rows);
    }

    /** The session's vector of floats called {@code name}, (length), allocated as {@link #rows} does. */
    Tensor vector(String name, int length) {
        String key = "vector:" + name;
        Tensor buffer = buffers.get(key);
        if (buffer == null || buffer.length() < length) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = network.backend().allocate(Shape.of(Math.max(length, capacity())));
            buffers.put(key, buffer);
        }
        return buffer.slice(0, length);
    }

    /** A second labels buffer (targets beside the labels of the workspace) for {@code batch} samples. */
    Labels targets(int batch) {
        if (targets == null) {
            targets = network.backend().uploadLabels(new int[capacity()], network.classes());
        }
        return targets.prefix(batch);
    }

    /** Frees the buffers (not the network). */
    @Override
    public void close() {
        workspace.close();
        for (Tensor buffer : buffers.values()) {
            buffer.close();
        }
        buffers.clear();
        if (targets != null) {
            targets.close();
        }
    }
}
