package io.gradsign.benchmarks;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Labels;
import io.gradsign.Tensor;
import io.gradsign.cpu.bindings.CpuKernels;
import io.gradsign.plan.DenseChain;
import io.gradsign.plan.GradientStep;
import io.gradsign.plan.Plans;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Where a dense network's FGSM step at one batch size spends its time on the CPU backend: each
 * separate operation of the step (OpenBLAS's sgemm for the products, split over the cores), then the
 * packed kernels the batch's plan runs (one core, one part's rows: half the batch on two cores), then
 * the plan's whole step; the best of three rounds. A diagnostic, not a benchmark (the reported figures
 * are JMH's): {@code java -cp benchmarks/target/benchmarks.jar io.gradsign.benchmarks.DenseStepProfile
 * mlp 256} (or {@code softmax}); unset OPENBLAS_CORETYPE first.
 */
public final class DenseStepProfile {
    interface Op {
        void run();
    }

    public static void main(String[] args) {
        int[] widths = args[0].equals("softmax") ? new int[] {784, 10} : new int[] {784, 512, 512, 10};
        int n = Integer.parseInt(args[1]);
        int layers = widths.length - 1;
        Activation[] activations = new Activation[layers];
        for (int l = 0; l < layers; l++) {
            activations[l] = l < layers - 1 ? Activation.RELU : Activation.NONE;
        }
        try (Backend b = Backends.open(BackendKind.CPU)) {
            Tensor x = b.upload(uniform(n * widths[0], 1, 0f, 1f));
            Tensor xa = b.allocate((long) n * widths[0]);
            Tensor[] w = new Tensor[layers], bias = new Tensor[layers], y = new Tensor[layers], dx = new Tensor[layers];
            float[][] wArrays = new float[layers][];
            for (int l = 0; l < layers; l++) {
                wArrays[l] = uniform(widths[l] * widths[l + 1], 2 + l, -0.05f, 0.05f);
                w[l] = b.upload(wArrays[l]);
                bias[l] = b.allocate(widths[l + 1]);
                y[l] = b.allocate((long) n * widths[l + 1]);
                dx[l] = b.allocate((long) n * widths[l]);
            }
            int classes = widths[layers];
            Tensor p = b.allocate((long) n * classes), loss = b.allocate(n), dl = b.allocate((long) n * classes);
            Labels labels = b.uploadLabels(new int[n], classes);
            LinkedHashMap<String, Op> ops = new LinkedHashMap<>();
            for (int l = 0; l < layers; l++) {
                int layer = l;
                Tensor in = l == 0 ? x : y[l - 1];
                ops.put("ops: dense" + l + " fwd", () -> b.denseForward(y[layer], in, w[layer], bias[layer], n,
                        widths[layer], widths[layer + 1], activations[layer]));
            }
            ops.put("ops: softmax CE", () -> b.softmaxCrossEntropy(p, loss, dl, y[layers - 1], labels, n, classes, 1f));
            for (int l = layers - 1; l >= 0; l--) {
                int layer = l;
                Tensor g = l == layers - 1 ? dl : dx[l + 1];
                if (l < layers - 1) {
                    ops.put("ops: relu bwd " + l, () -> b.activationBackward(g, g, y[layer], Activation.RELU));
                }
                ops.put("ops: dense" + l + " bwd", () -> b.denseBackwardInput(dx[layer], g, w[layer], n, widths[layer],
                        widths[layer + 1]));
            }
            ops.put("ops: sign step", () -> b.signStep(xa, x, dx[0], 0.1f, 0f, 1f));
            // the packed kernels on one core, over the rows one part of the plan gets on this machine
            int rows = Math.max(1, n / Runtime.getRuntime().availableProcessors());
            float[][] forward = new float[layers][], backward = new float[layers][];
            float[] xs = uniform(rows * widths[0], 3, 0f, 1f), xsa = new float[xs.length];
            float[][] ys = new float[layers][], gs = new float[layers + 1][];
            for (int l = 0; l < layers; l++) {
                forward[l] = new float[(int) CpuKernels.gradsign_cpu_packed_size(widths[l], widths[l + 1])];
                backward[l] = new float[(int) CpuKernels.gradsign_cpu_packed_size(widths[l + 1], widths[l])];
                CpuKernels.gradsign_cpu_pack_at(forward[l], 0, wArrays[l], 0, widths[l], 1, widths[l], widths[l + 1]);
                CpuKernels.gradsign_cpu_pack_at(backward[l], 0, wArrays[l], 0, widths[l], 0, widths[l + 1], widths[l]);
                ys[l] = new float[rows * widths[l + 1]];
                gs[l] = new float[rows * widths[l]];
            }
            gs[layers] = uniform(rows * classes, 4, -0.1f, 0.1f);
            float[] biasArray = new float[512];
            for (int l = 0; l < layers; l++) {
                int layer = l;
                float[] in = l == 0 ? xs : ys[l - 1];
                ops.put("packed, 1 core: dense" + l + " fwd", () -> CpuKernels.gradsign_cpu_packed_gemm_at(ys[layer], 0,
                        widths[layer + 1], in, 0, widths[layer], forward[layer], 0, widths[layer], widths[layer + 1], rows,
                        biasArray, 0, activations[layer] == Activation.RELU ? 1 : 0, null, 0, 0, null, 0, 0, 0f, 0f, 0f));
            }
            for (int l = layers - 1; l >= 0; l--) {
                int layer = l;
                ops.put("packed, 1 core: dense" + l + " bwd", () -> CpuKernels.gradsign_cpu_packed_gemm_at(gs[layer], 0,
                        widths[layer], gs[layer + 1], 0, widths[layer + 1], backward[layer], 0, widths[layer + 1],
                        widths[layer], rows, null, 0, layer > 0 ? 2 : 3, layer > 0 ? ys[layer - 1] : xs, 0, widths[layer],
                        xsa, 0, widths[layer], 0.1f, 0f, 1f));
            }
            DenseChain chain = new DenseChain(n, widths, activations, w, bias, y, dx, p, loss, dl, labels);
            GradientStep step = Plans.denseStep(b, chain).orElseThrow();
            ops.put("plan: the whole step", () -> step.run(x, xa, 1f, 0.1f, 0f, 1f, true));
            int reps = Math.max(3, 4000 / n);
            for (int warm = 0; warm < 3; warm++) {
                for (Op op : ops.values()) {
                    for (int r = 0; r < reps; r++) {
                        op.run();
                    }
                }
            }
            Map<String, Double> times = new LinkedHashMap<>();
            for (int round = 0; round < 3; round++) {
                for (Map.Entry<String, Op> e : ops.entrySet()) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        e.getValue().run();
                    }
                    times.merge(e.getKey(), (System.nanoTime() - t0) / 1e3 / reps, Math::min);
                }
            }
            double opsTotal = 0;
            double packedTotal = 0;
            for (Map.Entry<String, Double> e : times.entrySet()) {
                opsTotal += e.getKey().startsWith("ops") ? e.getValue() : 0;
                packedTotal += e.getKey().startsWith("packed") ? e.getValue() : 0;
            }
            long multiplyAdds = 0;
            for (int l = 0; l < layers; l++) {
                multiplyAdds += 2L * widths[l] * widths[l + 1];
            }
            for (Map.Entry<String, Double> e : times.entrySet()) {
                String key = e.getKey();
                double total = key.startsWith("ops") ? opsTotal : key.startsWith("packed") ? packedTotal : e.getValue();
                System.out.printf("%-30s %9.1f us  %5.1f%%%n", key, e.getValue(), 100 * e.getValue() / total);
            }
            System.out.printf("ops: %.1f us per batch of %d, %.0f images/s, %.1f GFLOP/s%n", opsTotal, n,
                    n / opsTotal * 1e6, 2.0 * multiplyAdds * n / opsTotal / 1e3);
            System.out.printf("packed kernels, one core, %d rows: %.1f us, %.1f GFLOP/s a core%n", rows, packedTotal,
                    2.0 * multiplyAdds * rows / packedTotal / 1e3);
            double plan = times.get("plan: the whole step");
            System.out.printf("plan: %.1f us per batch of %d, %.0f images/s, %.1f GFLOP/s%n", plan, n, n / plan * 1e6,
                    2.0 * multiplyAdds * n / plan / 1e3);
        }
    }

    static float[] uniform(int count, long seed, float lo, float hi) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = lo + (hi - lo) * random.nextFloat();
        }
        return values;
    }
}
