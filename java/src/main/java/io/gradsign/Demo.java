package io.gradsign;

import java.util.Arrays;

/**
 * The README's first command: which backend gradsign picks here and why, then one fused sign step
 * x' = clip(x + eps*sign(g), 0, 1) on that backend, on emulated CUDA, and on the CPU, side by side.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) {
        float[] x = {0.00f, 0.20f, 0.50f, 0.95f, 1.00f, 0.40f, 0.60f, Float.NaN};
        float[] gradient = {-1.0f, 0.30f, 0.0f, 2.00f, -0.5f, Float.NaN, -1e-30f, 1.0f};
        float epsilon = 0.1f;
        System.out.println("x        = " + Arrays.toString(x));
        System.out.println("gradient = " + Arrays.toString(gradient));
        System.out.println("step: x' = clip(x + " + epsilon + " * sign(gradient), 0, 1)");

        try (Backend chosen = Backends.open()) {
            System.out.println();
            System.out.println("chosen backend: " + Backends.lastChoice());
            System.out.println("x' = " + Arrays.toString(step(chosen, x, gradient, epsilon)));
        }
        for (BackendKind kind : new BackendKind[] {BackendKind.CUDA_EMULATED, BackendKind.CPU}) {
            try (Backend backend = Backends.open(kind)) {
                System.out.println();
                System.out.println(backend.description());
                System.out.println("x' = " + Arrays.toString(step(backend, x, gradient, epsilon)));
            } catch (IllegalStateException e) {
                System.out.println(kind + " unavailable: " + e.getMessage());
            }
        }
        System.out.println();
        System.out.println("CUDA on a GPU: " + (Backends.cudaUnavailableReason() == null
                ? "available" : Backends.cudaUnavailableReason()));
    }

    private static float[] step(Backend backend, float[] x, float[] gradient, float epsilon) {
        try (Tensor xs = backend.upload(x); Tensor gs = backend.upload(gradient); Tensor out = backend.allocate(x.length)) {
            backend.signStep(out, xs, gs, epsilon, 0f, 1f);
            return out.toArray();
        }
    }
}
