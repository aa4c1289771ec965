package io.gradsign.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Tensor;
import io.gradsign.TestBackends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Device buffers: ownership, leaks, interop wrapping, and native errors reaching Java. */
class DeviceMemoryTest {

    private static CudaBackend open(BackendKind kind) {
        return (CudaBackend) TestBackends.openCudaPath(kind);
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void tenThousandAllocateFreeCyclesLeakNothing(BackendKind kind) {
        try (CudaBackend cuda = open(kind)) {
            long freeBefore = cuda.memoryInfo()[0];
            for (int cycle = 0; cycle < 10_000; cycle++) {
                // sizes that are and are not multiples of pages and of 256 bytes
                try (Tensor tensor = cuda.allocate(1 + (cycle * 37L) % 5000)) {
                    assertEquals(1 + (cycle * 37L) % 5000, tensor.length());
                }
            }
            assertEquals(0, cuda.openTensorCount(), "tensors left open");
            assertEquals(freeBefore, cuda.memoryInfo()[0], "device memory not returned");
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void closingTheBackendFreesItsTensors(BackendKind kind) {
        CudaBackend cuda = open(kind);
        long freeBefore = cuda.memoryInfo()[0];
        Tensor a = cuda.allocate(1 << 20);
        Tensor b = cuda.allocate(12345);
        assertEquals(2, cuda.openTensorCount());
        assertTrue(cuda.memoryInfo()[0] < freeBefore, "allocation not visible in free memory");
        cuda.close();
        assertTrue(a.isClosed() && b.isClosed());
        assertEquals(0, cuda.openTensorCount());
        try (CudaBackend again = open(kind)) {
            assertEquals(freeBefore, again.memoryInfo()[0], "closing the backend did not free its tensors");
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void wrappedMemoryIsUsedButNotFreed(BackendKind kind) {
        try (CudaBackend cuda = open(kind); Tensor owner = cuda.upload(new float[] {1, 2, 3, 4, 5, 6})) {
            long address = ((DeviceBuffer) owner).address();
            DeviceBuffer foreign = cuda.wrap(address + 2 * Float.BYTES, 3);
            assertFalse(foreign.ownsMemory());
            assertArrayEquals(new float[] {3, 4, 5}, foreign.toArray());
            foreign.close();
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, owner.toArray(), "closing a wrapped buffer freed its memory");
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void nativeErrorsBecomeExceptionsWithTheCudaMessage(BackendKind kind) {
        try (CudaBackend cuda = open(kind)) {
            CudaException e = assertThrows(CudaException.class, () -> cuda.allocate(1L << 52));
            assertEquals("cudaErrorMemoryAllocation", e.statusName());
            assertTrue(e.getMessage().contains("allocate(") && e.getMessage().contains("cudaMalloc"), e.getMessage());
            // the backend goes on working after the error
            try (Tensor t = cuda.upload(new float[] {1, 2})) {
                assertArrayEquals(new float[] {1, 2}, t.toArray());
            }
        }
    }

    /**
     * A wrapped buffer declared longer than the memory behind it makes the kernel read past the end
     * of an allocation: the emulation's guard pages turn that into cudaErrorIllegalAddress, an
     * exception, and this JVM lives on.
     */
    @org.junit.jupiter.api.Test
    void outOfBoundsKernelAccessFailsCleanlyInEmulation() {
        try (CudaBackend cuda = open(BackendKind.CUDA_EMULATED)) {
            int n = 4096; // 16 KiB: the end of the allocation sits against a guard page
            try (Tensor real = cuda.allocate(n); Tensor out = cuda.allocate(n + 1024)) {
                DeviceBuffer tooLong = cuda.wrap(((DeviceBuffer) real).address(), n + 1024);
                CudaException e = assertThrows(CudaException.class, () -> {
                    cuda.signStep(out, tooLong, tooLong, 0.1f, 0f, 1f);
                    cuda.synchronize();
                });
                assertEquals("cudaErrorIllegalAddress", e.statusName(), e.getMessage());
            }
            try (Tensor after = cuda.upload(new float[] {0.5f}); Tensor g = cuda.upload(new float[] {1f})) {
                cuda.signStep(after, after, g, 0.25f, 0f, 1f);
                assertArrayEquals(new float[] {0.75f}, after.toArray(), "the backend is unusable after the fault");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void devicePropertiesAreReported(BackendKind kind) {
        try (CudaBackend cuda = open(kind)) {
            DeviceProperties device = cuda.device();
            assertFalse(device.name().isEmpty());
            assertTrue(device.multiprocessors() > 0 && device.maxThreadsPerBlock() >= 1024 && device.warpSize() == 32,
                    device.toString());
            assertTrue(device.totalMemory() > 0);
            assertTrue(CudaBackend.deviceCount(kind == BackendKind.CUDA ? CudaLibrary.loadCuda() : CudaLibrary.loadEmulated()) >= 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"CUDA_EMULATED", "CUDA"})
    void copiesRoundTripAtOffsets(BackendKind kind) {
        try (Backend cuda = open(kind); Tensor t = cuda.allocate(10)) {
            t.copyFrom(new float[] {9, 1, 2, 3, 9}, 1, 4, 3);
            float[] back = new float[5];
            t.copyTo(3, back, 1, 4);
            assertArrayEquals(new float[] {0, 0, 1, 2, 3}, back);
            try (Tensor copy = cuda.allocate(10)) {
                cuda.copy(copy, t);
                assertArrayEquals(t.toArray(), copy.toArray());
            }
        }
    }
}
