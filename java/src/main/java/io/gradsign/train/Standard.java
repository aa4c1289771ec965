package io.gradsign.train;

import io.gradsign.Tensor;
import io.gradsign.nn.Network;
import io.gradsign.nn.Workspace;

/** Softmax cross-entropy on the labelled images, the mean over the batch. */
final class Standard implements Objective {
    @Override
    public String name() {
        return "standard";
    }

    @Override
    public String describe() {
        return "standard";
    }

    @Override
    public int workspaceRows(int labelled, int unlabelled) {
        return labelled;
    }

    @Override
    public Step bind(Network network, Workspace workspace, int labelled, int unlabelled, long seed) {
        return new StepBase(network, workspace, seed) {
            @Override
            public Loss run(Tensor clean, int[] labels, int n, int unlabelledRows, long step) {
                Tensor x = clean.slice(0, n);
                labels(labels, n, 1);
                workspace.logits(x);
                Tensor dLogits = workspace.crossEntropy(workspace.labels(n), 1f / n, true);
                workspace.parameterGradients(dLogits);
                return new Loss(sum(workspace.losses(n), 0, n) / n, correct(n, 0, n, labels), n);
            }
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
