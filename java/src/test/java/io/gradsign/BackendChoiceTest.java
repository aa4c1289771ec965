package io.gradsign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backend choice: CUDA when a device is present, else CPU; forced by property or API; visible. */
class BackendChoiceTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(Backends.PROPERTY);
    }

    @Test
    void automaticChoiceFollowsTheDevice() {
        try (Backend backend = Backends.open()) {
            BackendKind expected = Backends.cudaUnavailableReason() == null ? BackendKind.CUDA : BackendKind.CPU;
            assertEquals(expected, backend.kind());
            assertTrue(Backends.lastChoice().startsWith(expected.id()), Backends.lastChoice());
        }
    }

    @Test
    void propertyForcesEachBackend() {
        for (String id : new String[] {"cpu", "CUDA-Emulated", "auto"}) {
            System.setProperty(Backends.PROPERTY, id);
            try (Backend backend = Backends.open()) {
                if (!id.equals("auto")) {
                    assertEquals(BackendKind.fromId(id), backend.kind());
                }
                assertTrue(Backends.lastChoice().contains(backend.description()), Backends.lastChoice());
            }
        }
    }

    @Test
    void forcingCudaWithoutADeviceSaysWhy() {
        String reason = Backends.cudaUnavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(reason != null, "a GPU is present: nothing to refuse");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.open(BackendKind.CUDA));
        assertTrue(e.getMessage().contains("no CUDA device"), e.getMessage());
    }
}
