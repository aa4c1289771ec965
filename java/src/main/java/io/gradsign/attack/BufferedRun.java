package io.gradsign.attack;

import io.gradsign.Backend;
import io.gradsign.Tensor;
import io.gradsign.nn.Workspace;

/**
 * What the attacks that keep each sample's state on the device (APGD, Carlini-Wagner) share over one run:
 * the session's workspace and backend, and the session's row buffers by role, which compaction gathers
 * into a spare buffer that then takes the role (no copy back).
 */
abstract class BufferedRun {
    final AttackSession session;
    final Workspace workspace;
    final Backend backend;
    final Goal goal;
    /** Floats per sample. */
    final int size;
    final int classes;
    private final Tensor[] buffers;
    private final int[] identity;

    /** A run with one buffer of the session's capacity for each of {@code names}, in that order of roles. */
    BufferedRun(AttackSession session, Goal goal, String... names) {
        this.session = session;
        this.workspace = session.workspace();
        this.backend = session.network().backend();
        this.goal = goal;
        this.size = session.network().inputSize();
        this.classes = session.network().classes();
        this.buffers = new Tensor[names.length];
        for (int b = 0; b < names.length; b++) {
            buffers[b] = session.rows(names[b], session.capacity());
        }
        identity = new int[session.capacity()];
        for (int j = 0; j < identity.length; j++) {
            identity[j] = j;
        }
    }

    /** The first m rows of the buffer in role {@code role}. */
    final Tensor rows(int role, int m) {
        return buffers[role].slice(0, m);
    }

    /**
     * Keeps rows kept[0, count) (increasing) of the first m rows of each buffer in {@code roles}, moved to
     * rows [0, count): each gathered into the buffer in role {@code spare} ({@link Backend#copyRows}), which
     * then takes that role while the old one becomes the spare.
     */
    final void compact(int[] kept, int count, int m, int spare, int... roles) {
        for (int role : roles) {
            backend.copyRows(rows(spare, count), identity, rows(role, m), kept, count);
            Tensor t = buffers[role];
            buffers[role] = buffers[spare];
            buffers[spare] = t;
        }
    }

    /** Swaps the buffers of two roles. */
    final void swap(int a, int b) {
        Tensor t = buffers[a];
        buffers[a] = buffers[b];
        buffers[b] = t;
    }
}
