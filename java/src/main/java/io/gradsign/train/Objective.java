package io.gradsign.train;

import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/**
 * What a training step minimises: plain cross-entropy, or one of the adversarial and virtual
 * adversarial objectives. Each objective leaves the gradients of its batch's loss with respect to every
 * parameter in the workspace ({@link Workspace#parameterGradient}); the {@link Trainer} then takes the
 * optimiser's step. Obtain one from {@link Objectives}; each class's javadoc gives its paper's
 * definition and the defaults.
 *
 * <p>Objectives are immutable descriptions; {@link #bind} makes the per-trainer state (scratch tensors on
 * the network's backend), which the trainer closes.
 */
public interface Objective {

    /** The objective's name on the command line: standard, fgsm-at, fast-at, pgd-at, trades, vat. */
    String name();

    /** The name and every parameter, for logs and for checking that a checkpoint is resumed with the same objective. */
    String describe();

    /** Whether a step uses a batch of unlabelled images as well (VAT); otherwise they are ignored. */
    default boolean usesUnlabelled() {
        return false;
    }

    /** The rows (samples) of a workspace one step needs for {@code labelled} labelled and {@code unlabelled} unlabelled samples. */
    int workspaceRows(int labelled, int unlabelled);

    /**
     * The objective's state for steps of up to {@code labelled} labelled and {@code unlabelled} unlabelled
     * samples on {@code workspace} (which holds at least {@link #workspaceRows} rows); random numbers from
     * {@code seed}.
     */
    Step bind(Network network, Workspace workspace, int labelled, int unlabelled, long seed);

    /** One objective's state on one workspace. */
    interface Step extends AutoCloseable {
        /**
         * The gradients of the loss of one batch with respect to the parameters, into the workspace.
         *
         * @param clean the batch's images on the network's backend: {@code labelled} labelled rows, then
         *     {@code unlabelled} unlabelled rows
         * @param labels the labelled rows' labels (the first {@code labelled} entries)
         * @param step the trainer's step counter, which keys the step's random numbers
         */
        Loss run(io.gradsign.Tensor clean, int[] labels, int labelled, int unlabelled, long step);

        @Override
        void close();
    }

    /**
     * A step's loss: {@code total} is the batch's objective (the mean the gradients are of),
     * {@code correct} the labelled samples the model classified right at the inputs the loss saw first
     * (the clean ones, or for PGD and fast AT the adversarial ones), out of {@code counted}.
     */
    record Loss(double total, int correct, int counted) {}
}
