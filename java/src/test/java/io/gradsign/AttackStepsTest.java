package io.gradsign;

import static io.gradsign.SignStepTest.assertMoved;
import static io.gradsign.SignStepTest.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.cpu.L2Step;
import io.gradsign.cpu.MomentumSignStep;
import io.gradsign.cpu.ProjectedSignStep;
import io.gradsign.cpu.SampleReduction;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The element-wise steps of the gradient attacks (projectedSignStep, l2Step, momentumSignStep): the
 * CPU backend against the Java formulas (cpu.ProjectedSignStep, L2Step, MomentumSignStep, one sample
 * at a time), CUDA (emulated everywhere, real on a GPU) against the CPU, both bit for bit (NaN as NaN),
 * and the invariants the attacks rely on. Inputs: seeded uniform floats, the seed in every message; one
 * sample with a zero gradient, and NaN in x and in the gradient, where the batch allows.
 */
class AttackStepsTest {
    private static final float DECAY = 1f;
    private static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.open(BackendKind.CPU);
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }

    /** batch, sample size: batch 1, sizes that are multiples of no block or vector width, and a CNN batch. */
    static final int[][] SHAPES = {{1, 1}, {1, 7}, {3, 33}, {2, 784}, {5, 1000}, {2, 3 * 32 * 32}, {64, 784},
            {1, 200_003}, {300, 5}};

    static Stream<Arguments> shapes() {
        return Stream.of(SHAPES).map(s -> Arguments.of(s[0], s[1]));
    }

    static Stream<Arguments> cudaShapes() {
        List<Arguments> cases = new ArrayList<>();
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CUDA}) {
            for (int[] s : SHAPES) {
                for (boolean inPlace : new boolean[] {false, true}) {
                    cases.add(Arguments.of(kind, s[0], s[1], inPlace));
                }
            }
        }
        return cases.stream();
    }

    /** The inputs of one case: origin in [0, 1], x near it, gradient and momentum around 0. */
    record Inputs(long seed, int batch, int n, float[] x, float[] origin, float[] gradient, float[] momentum) {
        static Inputs of(long seed, int batch, int n, boolean specials) {
            int count = batch * n;
            float[] origin = TestBackends.uniform(seed, count, 0f, 1f);
            float[] noise = TestBackends.uniform(seed + 1, count, -0.05f, 0.05f);
            float[] x = new float[count];
            for (int i = 0; i < count; i++) {
                x[i] = origin[i] + noise[i];
            }
            float[] gradient = TestBackends.uniform(seed + 2, count, -1f, 1f);
            float[] momentum = TestBackends.uniform(seed + 3, count, -0.01f, 0.01f);
            if (specials && batch > 2) {
                java.util.Arrays.fill(gradient, 0, n, 0f);
                x[n + n / 2] = Float.NaN;
                gradient[2 * n + n / 3] = Float.NaN;
            }
            return new Inputs(seed, batch, n, x, origin, gradient, momentum);
        }

        String describe() {
            return "batch " + batch + " n " + n + " seed " + seed;
        }
    }

    /** What a step wrote: out, and momentum for momentumSignStep. */
    record Result(float[] out, float[] momentum) {}

    enum Step { PROJECTED, L2, MOMENTUM }

    static final float ALPHA = 0.01f;
    static final float EPSILON = 0.03f;
    static final float L2_ALPHA = 0.5f;
    static final float L2_EPSILON = 0.4f;

    /** Runs a step on fresh tensors (out poisoned with NaN), out being x where inPlace. */
    static Result run(Backend backend, Step step, Inputs in, boolean inPlace, float lo, float hi) {
        int count = in.x.length;
        try (Tensor x = backend.upload(in.x);
             Tensor origin = backend.upload(in.origin);
             Tensor gradient = backend.upload(in.gradient);
             Tensor momentum = backend.upload(in.momentum);
             Tensor fresh = backend.upload(TestBackends.poison(count))) {
            Tensor out = inPlace ? x : fresh;
            switch (step) {
                case PROJECTED -> backend.projectedSignStep(out, x, origin, gradient, ALPHA, EPSILON, lo, hi);
                case L2 -> backend.l2Step(out, x, origin, gradient, in.batch, L2_ALPHA, L2_EPSILON, lo, hi);
                case MOMENTUM -> backend.momentumSignStep(out, momentum, x, origin, gradient, in.batch, DECAY, ALPHA,
                        EPSILON, lo, hi);
            }
            backend.synchronize();
            return new Result(out.toArray(), momentum.toArray());
        }
    }

    /** The Java formulas, one element or one sample at a time on one thread. */
    static Result reference(Step step, Inputs in, float lo, float hi) {
        int count = in.x.length;
        float[] out = new float[count];
        float[] momentum = in.momentum.clone();
        double[] lanes = SampleReduction.lanes();
        for (int s = 0; s < in.batch; s++) {
            int at = s * in.n;
            switch (step) {
                case PROJECTED -> {
                    for (int i = at; i < at + in.n; i++) {
                        out[i] = ProjectedSignStep.projectedSignStepOne(in.x[i], in.origin[i], in.gradient[i], ALPHA,
                                EPSILON, lo, hi);
                    }
                }
                case L2 -> L2Step.l2StepOne(out, at, in.x, at, in.origin, at, in.gradient, at, in.n, L2_ALPHA,
                        L2_EPSILON, lo, hi, lanes);
                case MOMENTUM -> MomentumSignStep.momentumSignStepOne(out, at, momentum, at, in.x, at, in.origin, at,
                        in.gradient, at, in.n, DECAY, ALPHA, EPSILON, lo, hi, lanes);
            }
        }
        return new Result(out, momentum);
    }

    @ParameterizedTest(name = "batch {0}, n {1}")
    @MethodSource("shapes")
    void cpuEqualsJavaFormulas(int batch, int n) {
        Inputs in = Inputs.of(10_000L + 31L * batch + n, batch, n, true);
        for (Step step : Step.values()) {
            Result want = reference(step, in, 0f, 1f);
            Result got = run(cpu, step, in, false, 0f, 1f);
            assertSame(want.out, got.out, "cpu " + step + " " + in.describe());
            assertSame(want.momentum, got.momentum, "cpu " + step + " momentum " + in.describe());
            assertMoved(in.x, got.out);
        }
    }

    @ParameterizedTest(name = "{0}, batch {1}, n {2}, in place {3}")
    @MethodSource("cudaShapes")
    void cudaEqualsCpu(BackendKind kind, int batch, int n, boolean inPlace) {
        try (Backend cuda = TestBackends.openCudaPath(kind)) {
            Inputs in = Inputs.of(20_000L + 31L * batch + n + (inPlace ? 7 : 0), batch, n, true);
            for (Step step : Step.values()) {
                Result want = run(cpu, step, in, inPlace, 0f, 1f);
                Result got = run(cuda, step, in, inPlace, 0f, 1f);
                assertSame(want.out, got.out, kind + " " + step + " " + in.describe());
                assertSame(want.momentum, got.momentum, kind + " " + step + " momentum " + in.describe());
                assertMoved(in.x, got.out);
            }
        }
    }

    /**
     * The L-infinity steps stay within epsilon of origin (up to the rounding of origin -+ epsilon to
     * float, half an ulp), the L2 step within epsilon (1 + 1e-6) in L2; all in [lo, hi].
     */
    @ParameterizedTest(name = "batch {0}, n {1}")
    @MethodSource("shapes")
    void stepsStayInTheBallAndTheBounds(int batch, int n) {
        Inputs in = Inputs.of(30_000L + 31L * batch + n, batch, n, false);
        float inf = Float.POSITIVE_INFINITY;
        for (Step step : Step.values()) {
            float[] out = run(cpu, step, in, false, -inf, inf).out;
            float[] clipped = run(cpu, step, in, false, 0.1f, 0.9f).out;
            for (int s = 0; s < batch; s++) {
                double squares = 0;
                double largest = 0;
                for (int i = s * n; i < (s + 1) * n; i++) {
                    double d = (double) out[i] - in.origin[i];
                    squares += d * d;
                    // the bounds origin -+ epsilon are rounded to float: beyond epsilon by up to half their ulp
                    double rounding = Math.ulp(Math.abs(in.origin[i]) + EPSILON) / 2;
                    largest = Math.max(largest, Math.abs(d) - rounding);
                    assertTrue(clipped[i] >= 0.1f && clipped[i] <= 0.9f, step + " element " + i + " = " + clipped[i]
                            + " is outside [0.1, 0.9], " + in.describe());
                }
                String where = step + " sample " + s + ", " + in.describe();
                if (step == Step.L2) {
                    assertTrue(Math.sqrt(squares) <= L2_EPSILON * (1 + 1e-6),
                            "||out - origin||_2 = " + Math.sqrt(squares) + " > " + L2_EPSILON + ", " + where);
                } else {
                    assertTrue(largest <= EPSILON, "||out - origin||_inf = " + largest + " > " + EPSILON + ", " + where);
                }
            }
        }
    }

    /** L2: a sample with a zero gradient stays at x; a small step inside the ball is x + alpha g / ||g||. */
    @Test
    void l2StepWithZeroGradientOrInsideTheBall() {
        float[] x = {0.25f, 0.5f, 0.75f, 0.5f, 0.5f, 0.5f};
        float[] gradient = {0f, -0f, 0f, 3f, 0f, -4f};
        try (Tensor xs = cpu.upload(x); Tensor gs = cpu.upload(gradient); Tensor out = cpu.allocate(6)) {
            // FGM: origin is x, alpha is epsilon
            cpu.l2Step(out, xs, xs, gs, 2, 0.05f, 0.05f, 0f, 1f);
            float[] got = out.toArray();
            assertSame(new float[] {0.25f, 0.5f, 0.75f}, java.util.Arrays.copyOf(got, 3), "zero gradient");
            assertEquals(0.5f + 0.05f * 0.6f, got[3], 1e-7f);
            assertEquals(0.5f, got[4], 0f);
            assertEquals(0.5f - 0.05f * 0.8f, got[5], 1e-7f);
        }
    }

    /** MI-FGSM: momentum = decay momentum + g / ||g||_1, and the step follows its sign. */
    @Test
    void momentumAccumulatesTheL1NormalisedGradient() {
        float[] x = {0.5f, 0.5f, 0.5f, 0.5f};
        float[] gradient = {1f, -3f, 0f, 0f};
        float[] momentum = {0.1f, 0.1f, -0.1f, 0f};
        try (Tensor xs = cpu.upload(x); Tensor gs = cpu.upload(gradient); Tensor ms = cpu.upload(momentum);
             Tensor out = cpu.allocate(4)) {
            cpu.momentumSignStep(out, ms, xs, xs, gs, 1, 0.5f, 0.01f, 0.03f, 0f, 1f);
            assertSame(new float[] {0.05f + 0.25f, 0.05f - 0.75f, -0.05f, 0f}, ms.toArray(), "momentum");
            assertSame(new float[] {0.5f + 0.01f, 0.5f - 0.01f, 0.5f - 0.01f, 0.5f}, out.toArray(), "out");
        }
    }

    /** The CPU twins split samples over threads with their own lanes: concurrent callers get the same bits. */
    @Test
    void concurrentCpuCallsAgree() throws Exception {
        Inputs in = Inputs.of(40_000L, 64, 784, true);
        Result want = reference(Step.L2, in, 0f, 1f);
        Result wantMomentum = reference(Step.MOMENTUM, in, 0f, 1f);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int r = 0; r < 5; r++) {
                        assertSame(want.out, run(cpu, Step.L2, in, false, 0f, 1f).out, "concurrent l2Step");
                        assertSame(wantMomentum.momentum, run(cpu, Step.MOMENTUM, in, false, 0f, 1f).momentum,
                                "concurrent momentumSignStep");
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(failures.isEmpty(), () -> "a concurrent call failed: " + failures.get(0));
    }
}
