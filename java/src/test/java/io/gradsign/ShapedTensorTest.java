package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Shapes, element types and the checks of the convolution and pooling operations, on both backends. */
class ShapedTensorTest {
    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void shapesViewsAndInt32(BackendKind kind) {
        try (Backend backend = Backends.open(kind)) {
            Tensor images = backend.allocate(Shape.of(4, 2, 3, 5));
            assertEquals(Shape.of(4, 2, 3, 5), images.shape());
            assertEquals(DType.FLOAT32, images.dtype());
            assertEquals(120, images.length());
            float[] values = TestBackends.uniform(1, 120, -1f, 1f);
            images.copyFrom(values);
            Tensor two = images.slice(1, 2);
            assertEquals(Shape.of(2, 2, 3, 5), two.shape());
            assertArrayEquals(java.util.Arrays.copyOfRange(values, 30, 90), two.toArray(), 0f);
            Tensor flat = two.reshape(2, 30);
            assertEquals(Shape.of(2, 30), flat.shape());
            assertFalseOwns(flat);
            IllegalArgumentException reshape = assertThrows(IllegalArgumentException.class, () -> two.reshape(7, 9));
            assertTrue(reshape.getMessage().contains("(2, 2, 3, 5)") && reshape.getMessage().contains("(7, 9)"),
                    reshape.getMessage());
            assertThrows(IllegalArgumentException.class, () -> images.slice(3, 2));

            Tensor indices = backend.allocate(Shape.of(2, 3), DType.INT32);
            assertEquals(DType.INT32, indices.dtype());
            indices.copyFrom(new int[] {1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0});
            assertArrayEquals(new int[] {1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0}, indices.toIntArray());
            assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 0}, indices.slice(1, 1).toIntArray());
            assertThrows(IllegalArgumentException.class, indices::toArray, "float read of an int32 tensor");
            assertThrows(IllegalArgumentException.class, () -> images.copyFrom(new int[120]));
            Tensor floats = backend.allocate(6);
            assertThrows(IllegalArgumentException.class, () -> backend.copy(floats, indices));
            assertThrows(IllegalArgumentException.class, () -> backend.signStep(floats, floats, indices, 0.1f, 0f, 1f));
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CPU", "CUDA_EMULATED"})
    void convolutionAndPoolingCheckShapesTypesAndOverlap(BackendKind kind) {
        ConvGeometry conv = ConvGeometry.of(2, 3, 7, 6, 4, 3, 1, 1);
        PoolGeometry pool = PoolGeometry.of(2, 4, 7, 6, 2);
        try (Backend backend = Backends.open(kind)) {
            Tensor x = backend.allocate(Shape.of(2, 3, 7, 6));
            Tensor w = backend.allocate(Shape.of(4, 3, 3, 3));
            Tensor b = backend.allocate(Shape.of(4));
            Tensor y = backend.allocate(Shape.of(2, 4, 7, 6));
            backend.conv2dForward(y, x, w, b, conv, Activation.RELU);
            Tensor wrongShape = backend.allocate(Shape.of(2, 4, 6, 7));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.conv2dForward(wrongShape, x, w, b, conv, Activation.RELU));
            assertTrue(e.getMessage().contains("(2, 4, 6, 7)") && e.getMessage().contains("(2, 4, 7, 6)"), e.getMessage());
            Tensor flatY = backend.allocate(2 * 4 * 7 * 6);
            backend.conv2dForward(flatY, x, w, b, conv, Activation.NONE);
            IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                    () -> backend.conv2dForward(backend.allocate(10), x, w, b, conv, Activation.NONE));
            assertTrue(length.getMessage().contains("(10,)"), length.getMessage());
            Tensor pointwise = backend.allocate(Shape.of(3, 3, 1, 1));
            Tensor b3 = backend.allocate(Shape.of(3));
            IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> backend.conv2dForward(x,
                    x, pointwise, b3, ConvGeometry.of(2, 3, 7, 6, 3, 1, 1, 0), Activation.NONE));
            assertTrue(overlap.getMessage().contains("shares memory"), overlap.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> backend.conv2dBackwardWeights(w, w, y, x, conv), "dWeights over dBias");

            Tensor pooled = backend.allocate(Shape.of(2, 4, 3, 3));
            Tensor argmax = backend.allocate(Shape.of(2, 4, 3, 3), DType.INT32);
            backend.maxPool2dForward(pooled, argmax, y, pool);
            Tensor floatIndices = backend.allocate(Shape.of(2, 4, 3, 3));
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                    () -> backend.maxPool2dForward(pooled, floatIndices, y, pool));
            assertTrue(type.getMessage().contains("int32"), type.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.avgPool2dForward(pooled, pooled, pool));
            x.close();
            assertThrows(IllegalStateException.class, () -> backend.conv2dForward(y, x, w, b, conv, Activation.NONE));
        }
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.of(1, 1, 4, 4, 1, 5, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.of(1, 1, 4, 4, 1, 3, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PoolGeometry.of(1, 1, 3, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1 << 16, 1 << 10, 64, 64, 1, 1, 1, 1, 1, 0, 0));
    }

    private static void assertFalseOwns(Tensor view) {
        assertTrue(!view.ownsMemory(), "a view must not own memory");
    }
}
