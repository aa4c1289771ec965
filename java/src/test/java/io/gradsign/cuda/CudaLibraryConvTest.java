package io.gradsign.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conv, pooling, activation-forward and int32-copy methods of {@link CudaLibrary} reach their C
 * functions through the JNI code JavaCPP generates (on the emulation): arguments in the right order,
 * array offsets applied. The kernels themselves are checked against references by the ctest programs
 * ({@code native/tests/conv_test.cpp}, {@code pool_test.cpp}, {@code activation_test.cpp}).
 */
class CudaLibraryConvTest {
    private static final int SIGMOID = 3;

    private final CudaLibrary library = CudaLibrary.loadEmulated();
    private final long[] buffers = new long[8];
    private int allocated;

    @BeforeEach
    void noBuffers() {
        allocated = 0;
    }

    @AfterEach
    void freeBuffers() {
        for (int i = 0; i < allocated; i++) library.check(library.free(buffers[i]), "free");
    }

    private long allocate(long floats) {
        long[] address = new long[1];
        library.check(library.malloc(address, floats * 4), "malloc");
        buffers[allocated++] = address[0];
        return address[0];
    }

    private long upload(float[] values) {
        long address = allocate(values.length);
        library.check(library.copyToDevice(address, values, 0, values.length), "copyToDevice");
        return address;
    }

    private float[] download(long address, int count) {
        float[] values = new float[count];
        library.check(library.copyToHost(values, 0, address, count), "copyToHost");
        return values;
    }

    @Test
    void intCopiesApplyTheirOffsets() {
        long device = allocate(4);
        library.check(library.copyIntsToDevice(device, new int[] {-9, 1, -2, 3, 1 << 30, -9}, 1, 4), "copyIntsToDevice");
        int[] back = {7, 7, 7, 7, 7, 7};
        library.check(library.copyIntsToHost(back, 2, device, 4), "copyIntsToHost");
        assertArrayEquals(new int[] {7, 7, 1, -2, 3, 1 << 30}, back);
    }

    @Test
    void maxPoolWritesArgmaxAndRoutesTheGradient() {
        // one 2x4 plane, two 2x2 windows: maxima 5 at (1, 0) and 8 at (0, 3)
        long x = upload(new float[] {1, 2, 3, 8, 5, 4, 7, 6});
        long y = allocate(2);
        long argmax = allocate(2);
        library.check(library.maxPool2dForward(y, argmax, x, 1, 1, 2, 4, 2, 2, 2, 2), "maxPool2dForward");
        assertArrayEquals(new float[] {5, 8}, download(y, 2));
        int[] indices = new int[2];
        library.check(library.copyIntsToHost(indices, 0, argmax, 2), "copyIntsToHost");
        assertArrayEquals(new int[] {4, 3}, indices);

        long dy = upload(new float[] {0.5f, -2f});
        long dx = allocate(8);
        library.check(library.maxPool2dBackward(dx, dy, argmax, 1, 1, 2, 4, 2, 2, 2, 2), "maxPool2dBackward");
        assertArrayEquals(new float[] {0, 0, 0, -2, 0.5f, 0, 0, 0}, download(dx, 8));

        library.check(library.avgPool2dForward(y, x, 1, 1, 2, 4, 2, 2, 2, 2), "avgPool2dForward");
        assertArrayEquals(new float[] {3, 6}, download(y, 2));
        library.check(library.avgPool2dBackward(dx, dy, 1, 1, 2, 4, 2, 2, 2, 2), "avgPool2dBackward");
        assertArrayEquals(new float[] {0.125f, 0.125f, -0.5f, -0.5f, 0.125f, 0.125f, -0.5f, -0.5f}, download(dx, 8));
    }

    @Test
    void convPassesOnAOneByThreeImage() {
        // x (1, 1, 1, 3), a 1x2 kernel (2 output channels), padding 1 across: y (1, 2, 1, 4)
        long x = upload(new float[] {1, 2, 3});
        long weights = upload(new float[] {1, 10, -1, 0});
        long bias = upload(new float[] {0.5f, 0});
        long y = allocate(8);
        library.check(library.conv2dForward(y, x, weights, bias, 1, 1, 1, 3, 2, 1, 2, 1, 1, 0, 1, 0), "conv2dForward");
        assertArrayEquals(new float[] {10.5f, 21.5f, 32.5f, 3.5f, 0, -1, -2, -3}, download(y, 8));

        long dy = upload(new float[] {1, 0, 0, 2, 0, 1, 0, 0});
        long dx = allocate(3);
        library.check(library.conv2dBackwardInput(dx, dy, weights, 1, 1, 1, 3, 2, 1, 2, 1, 1, 0, 1), "conv2dBackwardInput");
        // dx[i] = sum over output pixels o and channels k of dy[k, o] * weights[k, i - o + 1]
        assertArrayEquals(new float[] {10 - 1, 0, 2}, download(dx, 3));

        long dweights = allocate(4);
        long dbias = allocate(2);
        library.check(library.conv2dBackwardWeights(dweights, dbias, dy, x, 1, 1, 1, 3, 2, 1, 2, 1, 1, 0, 1),
                "conv2dBackwardWeights");
        // dweights[k, t] = sum over o of dy[k, o] * x[o + t - 1]
        assertArrayEquals(new float[] {6, 1, 1, 2}, download(dweights, 4));
        assertArrayEquals(new float[] {3, 1}, download(dbias, 2));
    }

    @Test
    void activationForwardInPlace() {
        long x = upload(new float[] {0, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY});
        library.check(library.activationForward(x, x, 3, SIGMOID), "activationForward");
        assertArrayEquals(new float[] {0.5f, 0, 1}, download(x, 3));
        assertEquals(10001, library.activationForward(x, x, 3, 4), "an unknown activation is refused");
    }
}
