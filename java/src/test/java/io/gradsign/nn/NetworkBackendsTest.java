package io.gradsign.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import io.gradsign.Tolerance;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A network of every layer kind on the CUDA path (emulated everywhere; a real GPU where present)
 * against the CPU backend: logits, input gradient, parameter gradients and an FGSM step, at batch 1
 * and at a batch that is not a multiple of anything.
 */
class NetworkBackendsTest {
    private static final String SPEC = "conv5k3p1-relu-pool2-conv7k3x2s2p1-tanh-avgpool2s1-relu-dense9-sigmoid-dense4";
    private static final Shape INPUT = Shape.of(3, 13, 11);

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void cudaMatchesCpu(BackendKind kind) {
        try (Backend cpu = Backends.open(BackendKind.CPU); Backend cuda = TestBackends.openCudaPath(kind);
             Network a = Network.create(cpu, INPUT, LayerSpec.parse(SPEC), 5);
             Network b = Network.fromParameters(cuda, INPUT, LayerSpec.parse(SPEC), a.parameterValues());
             Workspace wa = a.workspace(6); Workspace wb = b.workspace(6)) {
            for (int batch : new int[] {1, 5}) {
                float[] x = TestBackends.uniform(batch, batch * a.inputSize(), 0f, 1f);
                float[] r = TestBackends.uniform(batch + 10, batch * a.classes(), -1f, 1f);
                Tensor xa = wa.input(batch);
                Tensor xb = wb.input(batch);
                xa.copyFrom(x);
                xb.copyFrom(x);
                Tolerance.assertClose(wa.logits(xa).toArray(), wb.logits(xb).toArray(), 1e-4f, 1e-4f, "logits");
                try (Tensor ra = cpu.upload(r); Tensor rb = cuda.upload(r)) {
                    Tolerance.assertClose(wa.inputGradient(ra).toArray(), wb.inputGradient(rb).toArray(), 1e-5f, 1e-3f,
                            "input gradient at batch " + batch);
                    wa.parameterGradients(ra);
                    wb.parameterGradients(rb);
                }
                for (int l = 0; l < a.layers().size(); l++) {
                    for (int p = 0; p < a.parameters(l).size(); p++) {
                        Tolerance.assertClose(wa.parameterGradient(l, p).toArray(), wb.parameterGradient(l, p).toArray(),
                                1e-5f, 1e-3f, "gradient of parameter " + p + " of layer " + l + " at batch " + batch);
                    }
                }
                int[] labels = new int[batch];
                for (int i = 0; i < batch; i++) {
                    labels[i] = (i * 3) % a.classes();
                }
                wa.labels(batch).copyFrom(labels);
                wb.labels(batch).copyFrom(labels);
                wa.fgsmStep(xa, wa.adversarial(batch), 1f, 0.05f, 0f, 1f, true);
                wb.fgsmStep(xb, wb.adversarial(batch), 1f, 0.05f, 0f, 1f, true);
                float[] ya = wa.adversarial(batch).toArray();
                float[] yb = wb.adversarial(batch).toArray();
                int differ = 0;
                for (int i = 0; i < ya.length; i++) {
                    if (ya[i] != yb[i]) {
                        differ++;
                    }
                }
                // a sign can flip where the gradient is within rounding of zero; nearly all agree
                assertTrue(differ <= ya.length / 200, differ + " of " + ya.length + " FGSM pixels differ at batch " + batch);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void poolingIndicesAreInt32AndShapesAreChecked(BackendKind kind) {
        try (Backend backend = Backends.open(kind);
             Network network = Network.create(backend, Shape.of(1, 6, 6), LayerSpec.parse("pool2-dense3"), 1);
             Workspace workspace = network.workspace(2)) {
            assertEquals(List.of(new MaxPool2d(2), new Flatten(), new Dense(3)), network.layers());
            try (Tensor wrong = backend.allocate(Shape.of(2, 1, 5, 7))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> workspace.logits(wrong));
                assertTrue(e.getMessage().contains("(2, 1, 5, 7)") && e.getMessage().contains("(1, 6, 6)"),
                        e.getMessage());
            }
            try (Tensor tooMany = backend.allocate(Shape.of(3, 1, 6, 6))) {
                assertThrows(IllegalArgumentException.class, () -> workspace.logits(tooMany));
            }
            Tensor x = workspace.input(2);
            assertEquals(Shape.of(2, 1, 6, 6), x.shape());
            x.copyFrom(new float[72]);
            assertEquals(Shape.of(2, 3), workspace.logits(x).shape());
            assertArrayEquals(new float[3], network.biases(2), 0f);
        }
    }
}
