package io.gradsign.benchmarks;

import io.gradsign.Activation;
import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.ConvGeometry;
import io.gradsign.DType;
import io.gradsign.Labels;
import io.gradsign.PoolGeometry;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
/**
 * Where the CNN's FGSM step spends its time on the CPU backend: each backend operation of one step
 * (forward, softmax cross-entropy, backward to the input, sign step) timed in a loop at one batch
 * size, the best of three rounds, with its share of the total. A diagnostic, not a benchmark (the
 * reported figures are JMH's): {@code java -cp benchmarks/target/benchmarks.jar
 * io.gradsign.benchmarks.CnnStepProfile 256}.
 */
public final class CnnStepProfile {
    interface Op { void run(); }
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]);
        try (Backend b = Backends.open(BackendKind.CPU)) {
            ConvGeometry c1 = ConvGeometry.of(n, 1, 28, 28, 32, 3, 1, 1);
            PoolGeometry p1 = PoolGeometry.of(n, 32, 28, 28, 2);
            ConvGeometry c2 = ConvGeometry.of(n, 32, 14, 14, 64, 3, 1, 1);
            PoolGeometry p2 = PoolGeometry.of(n, 64, 14, 14, 2);
            Tensor x = b.upload(rand(n * 784)), w1 = b.upload(rand(288)), b1 = b.allocate(32), y1 = b.allocate(Shape.of(n, 32, 28, 28));
            Tensor q1 = b.allocate(Shape.of(n, 32, 14, 14)), i1 = b.allocate(Shape.of(n, 32, 14, 14), DType.INT32);
            Tensor w2 = b.upload(rand(64 * 288)), b2 = b.allocate(64), y2 = b.allocate(Shape.of(n, 64, 14, 14));
            Tensor q2 = b.allocate(Shape.of(n, 64, 7, 7)), i2 = b.allocate(Shape.of(n, 64, 7, 7), DType.INT32);
            Tensor f = b.allocate(n * 3136), w3 = b.upload(rand(128 * 3136)), b3 = b.allocate(128), h = b.allocate(n * 128);
            Tensor w4 = b.upload(rand(1280)), b4 = b.allocate(10), lg = b.allocate(n * 10), pr = b.allocate(n * 10), ls = b.allocate(n), dl = b.allocate(n * 10);
            Labels lab = b.uploadLabels(new int[n], 10);
            Tensor dh = b.allocate(n * 128), df = b.allocate(n * 3136), dq2 = b.allocate(Shape.of(n, 64, 7, 7)), dy2 = b.allocate(Shape.of(n, 64, 14, 14));
            Tensor dq1 = b.allocate(Shape.of(n, 32, 14, 14)), dy1 = b.allocate(Shape.of(n, 32, 28, 28)), dx = b.allocate(n * 784), xa = b.allocate(n * 784);
            LinkedHashMap<String, Op> ops = new LinkedHashMap<>();
            ops.put("conv1 fwd", () -> b.conv2dForward(y1, x, w1, b1, c1, Activation.RELU));
            ops.put("pool1 fwd", () -> b.maxPool2dForward(q1, i1, y1, p1));
            ops.put("conv2 fwd", () -> b.conv2dForward(y2, q1, w2, b2, c2, Activation.RELU));
            ops.put("pool2 fwd", () -> b.maxPool2dForward(q2, i2, y2, p2));
            ops.put("flatten", () -> b.copy(f, q2));
            ops.put("dense1 fwd", () -> b.denseForward(h, f, w3, b3, n, 3136, 128, Activation.RELU));
            ops.put("dense2 fwd", () -> b.denseForward(lg, h, w4, b4, n, 128, 10, Activation.NONE));
            ops.put("softmax CE", () -> b.softmaxCrossEntropy(pr, ls, dl, lg, lab, n, 10, 1f));
            ops.put("dense2 bwd", () -> b.denseBackwardInput(dh, dl, w4, n, 128, 10));
            ops.put("relu bwd h", () -> b.activationBackward(dh, dh, h, Activation.RELU));
            ops.put("dense1 bwd", () -> b.denseBackwardInput(df, dh, w3, n, 3136, 128));
            ops.put("flatten bwd", () -> b.copy(dq2, df));
            ops.put("pool2 bwd", () -> b.maxPool2dBackward(dy2, dq2, i2, p2));
            ops.put("relu bwd 2", () -> b.activationBackward(dy2, dy2, y2, Activation.RELU));
            ops.put("conv2 bwd in", () -> b.conv2dBackwardInput(dq1, dy2, w2, c2));
            ops.put("pool1 bwd", () -> b.maxPool2dBackward(dy1, dq1, i1, p1));
            ops.put("relu bwd 1", () -> b.activationBackward(dy1, dy1, y1, Activation.RELU));
            ops.put("conv1 bwd in", () -> b.conv2dBackwardInput(dx, dy1, w1, c1));
            ops.put("sign step", () -> b.signStep(xa, x, dx, 0.1f, 0f, 1f));
            int reps = Math.max(3, 2000 / n);
            for (int warm = 0; warm < 3; warm++) for (Op op : ops.values()) for (int r = 0; r < reps; r++) op.run();
            double total = 0;
            Map<String, Double> times = new LinkedHashMap<>();
            for (int round = 0; round < 3; round++) {
                for (Map.Entry<String, Op> e : ops.entrySet()) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) e.getValue().run();
                    double us = (System.nanoTime() - t0) / 1e3 / reps;
                    times.merge(e.getKey(), us, Math::min);
                }
            }
            for (Map.Entry<String, Double> e : times.entrySet()) { total += e.getValue(); }
            for (Map.Entry<String, Double> e : times.entrySet()) System.out.printf("%-14s %10.1f us  %5.1f%%%n", e.getKey(), e.getValue(), 100 * e.getValue() / total);
            double flop = 2.0 * n * (c1.multiplyAdds() / n * 2 + c2.multiplyAdds() / n * 2 + 3136L * 128 * 2 + 1280 * 2);
            System.out.printf("total %.1f us per batch of %d: %.0f images/s, %.1f GFLOP/s (fwd + bwd input)%n", total, n, n / total * 1e6, flop / total / 1e3);
        }
    }
    static float[] rand(int k) { Random r = new Random(k); float[] v = new float[k]; for (int i = 0; i < k; i++) v[i] = r.nextFloat() * 2 - 1; return v; }
}
