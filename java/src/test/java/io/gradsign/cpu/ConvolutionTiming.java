package io.gradsign.cpu;

import io.gradsign.Activation;
import io.gradsign.ConvGeometry;
import io.gradsign.PoolGeometry;
import io.gradsign.cpu.bindings.Blas;
import java.util.Arrays;
import java.util.Random;

/**
 * A quick timing, not a test (surefire runs *Test classes only) and not a benchmark (no JMH): the
 * CNN's two convolutions forward and backward at a few batch sizes, in GFLOP/s (2 flops per
 * multiply-add), beside OpenBLAS's single-threaded sgemm on the same product shapes and on a large
 * square one, alone and split over the cores as Dense splits it. The fastest of several rounds.
 * Run: java -cp test-classes:classes:dependencies io.gradsign.cpu.ConvolutionTiming [batch...]
 */
final class ConvolutionTiming {
    private ConvolutionTiming() {}

    public static void main(String[] args) {
        int[] batches = args.length == 0 ? new int[] {1, 128} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf("cores %d%n", CpuWorkers.CORES);
        double single = sgemmRate(512, 512, 512, 1);
        double split = sgemmRate(512, 512, 512, CpuWorkers.CORES);
        System.out.printf("sgemm 512^3: %.1f GFLOP/s on one core, %.1f split over %d (one core x cores: %.1f)%n",
                single, split, CpuWorkers.CORES, single * CpuWorkers.CORES);
        // the per-sample products of the two layers, single-threaded
        System.out.printf("sgemm (32 x 784 x 9), conv1's forward per sample: %.1f GFLOP/s%n", sgemmRate(32, 784, 9, 1));
        System.out.printf("sgemm (64 x 196 x 288), conv2's forward per sample: %.1f GFLOP/s%n",
                sgemmRate(64, 196, 288, 1));
        System.out.printf("sgemm (64 x 25088 x 288), conv2's forward at batch 128 as one product, split: %.1f GFLOP/s%n",
                sgemmRate(64, 25088, 288, CpuWorkers.CORES));
        System.out.printf("sgemm (64 x 196 x 288) per sample, batch 128 split by samples: %.1f GFLOP/s%n",
                perSampleRate(64, 196, 288, 128));
        System.out.printf("sgemm (288 x 196 x 64)^T per sample, batch 128 split by samples: %.1f GFLOP/s%n",
                perSampleRate(288, 196, 64, 128));
        for (int batch : batches) {
            ConvGeometry conv1 = ConvGeometry.of(batch, 1, 28, 28, 32, 3, 1, 1);
            ConvGeometry conv2 = ConvGeometry.of(batch, 32, 14, 14, 64, 3, 1, 1);
            time("conv1", conv1);
            time("conv2", conv2);
            timePools(batch);
        }
    }

    private static void time(String name, ConvGeometry g) {
        Random random = new Random(1);
        float[] x = fill(random, g.inputSize());
        float[] w = fill(random, g.weightSize());
        float[] b = fill(random, g.outChannels());
        float[] y = new float[g.outputSize()];
        float[] dy = fill(random, g.outputSize());
        float[] dx = new float[g.inputSize()];
        float[] dw = new float[g.weightSize()];
        float[] db = new float[g.outChannels()];
        double flops = 2.0 * g.multiplyAdds();
        double forward = best(() -> Convolution.forward(y, 0, x, 0, w, 0, b, 0, g, Activation.RELU), flops);
        double input = best(() -> Convolution.backwardInput(dx, 0, dy, 0, w, 0, g), flops);
        double weights = best(() -> Convolution.backwardWeights(dw, 0, db, 0, dy, 0, x, 0, g), flops);
        double both = best(() -> {
            Convolution.forward(y, 0, x, 0, w, 0, b, 0, g, Activation.RELU);
            Convolution.backwardInput(dx, 0, dy, 0, w, 0, g);
        }, 2 * flops);
        System.out.printf("%s batch %4d: forward %6.1f, backwardInput %6.1f, forward + backwardInput %6.1f, "
                        + "backwardWeights %6.1f GFLOP/s (%.0f us forward + backwardInput)%n", name, g.batch(), forward,
                input, both, weights, 2 * flops / both / 1e3);
    }

    private static void timePools(int batch) {
        PoolGeometry pool1 = PoolGeometry.of(batch, 32, 28, 28, 2);
        PoolGeometry pool2 = PoolGeometry.of(batch, 64, 14, 14, 2);
        for (PoolGeometry g : new PoolGeometry[] {pool1, pool2}) {
            float[] x = fill(new Random(2), g.inputSize());
            float[] y = new float[g.outputSize()];
            int[] argmax = new int[g.outputSize()];
            float[] dx = new float[g.inputSize()];
            // GB/s of x read and y, argmax written, forward; dy, argmax read and dx written, backward
            double forwardBytes = 4.0 * g.inputSize() + 8.0 * g.outputSize();
            double forward = best(() -> Pooling.maxForward(y, 0, argmax, 0, x, 0, g), forwardBytes);
            double backward = best(() -> Pooling.maxBackward(dx, 0, y, 0, argmax, 0, g), forwardBytes);
            System.out.printf("  max pool %s: forward %.1f GB/s, backward %.1f GB/s (%.0f us + %.0f us)%n", g, forward,
                    backward, forwardBytes / forward / 1e3, forwardBytes / backward / 1e3);
        }
    }

    /** The rate of c (m, n) = a (m, k) b (k, n), single-threaded calls, split by rows of c over {@code parts}. */
    private static double sgemmRate(int m, int n, int k, int parts) {
        float[] a = fill(new Random(3), m * k);
        float[] bMatrix = fill(new Random(4), k * n);
        float[] c = new float[m * n];
        return best(() -> CpuWorkers.run(parts, (part, count) -> {
            int from = CpuWorkers.start(m, part, count, 1);
            int to = CpuWorkers.start(m, part + 1, count, 1);
            Blas.openblas_set_num_threads_local(1);
            Blas.gradsign_sgemm(0, 0, to - from, n, k, 1f, a, (long) from * k, k, bMatrix, 0, n, 0f, c, (long) from * n,
                    n);
        }), 2.0 * m * n * k);
    }

    /**
     * Units per nanosecond (GFLOP/s or GB/s) of the fastest round, after warm-up; a round lasts at
     * least 20 ms. The fastest, not the median: this machine's cores are shared, and other work only
     * ever slows a round down.
     */
    private static double best(Runnable work, double units) {
        int reps = 1;
        for (long start = System.nanoTime(); System.nanoTime() - start < 300_000_000L; ) {
            work.run();
            reps++;
        }
        long once = 300_000_000L / reps;
        int perRound = (int) Math.max(1, 20_000_000L / Math.max(1, once));
        double[] rates = new double[15];
        for (int round = 0; round < rates.length; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                work.run();
            }
            rates[round] = units * perRound / (System.nanoTime() - start);
        }
        Arrays.sort(rates);
        return rates[rates.length - 1];
    }

    /** The rate of one product c (m, n) = a (m, k) b (k, n) per sample, the samples split over the cores. */
    private static double perSampleRate(int m, int n, int k, int batch) {
        float[] a = fill(new Random(3), m * k);
        float[] bMatrix = fill(new Random(4), batch * k * n);
        float[] c = new float[batch * m * n];
        return best(() -> CpuWorkers.run(CpuWorkers.CORES, (part, count) -> {
            Blas.openblas_set_num_threads_local(1);
            for (int sample = CpuWorkers.start(batch, part, count, 1); sample < CpuWorkers.start(batch, part + 1, count,
                    1); sample++) {
                Blas.gradsign_sgemm(0, 0, m, n, k, 1f, a, 0, k, bMatrix, (long) sample * k * n, n, 0f, c,
                        (long) sample * m * n, n);
            }
        }), 2.0 * m * n * k * batch);
    }

    private static float[] fill(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
