package io.gradsign.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Backend;
import io.gradsign.BackendKind;
import io.gradsign.Backends;
import io.gradsign.Shape;
import org.junit.jupiter.api.Test;

/** The two initialisations of {@link Network#create}: their bounds, their biases, and the seed's role. */
class InitialisationTest {
    private static final String SPEC = "conv6k5-relu-pool2-dense30-relu-dense10";

    @Test
    void eachDrawsWithinItsBounds() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network glorot = Network.create(cpu, Shape.of(1, 28, 28), LayerSpec.parse(SPEC), 3);
             Network fanIn = Network.create(cpu, Shape.of(1, 28, 28), LayerSpec.parse(SPEC), 3,
                     Network.Initialisation.FAN_IN_UNIFORM)) {
            // the layers with parameters: conv (fan-in 25, fan-out 150), dense (864 -> 30), dense (30 -> 10)
            double[][] fans = {{25, 150}, {864, 30}, {30, 10}};
            int p = 0;
            for (int l = 0; l < glorot.layers().size(); l++) {
                if (glorot.parameters(l).isEmpty()) {
                    continue;
                }
                double glorotLimit = Math.sqrt(6 / (fans[p][0] + fans[p][1]));
                double fanInLimit = 1 / Math.sqrt(fans[p][0]);
                float[] gw = glorot.parameters(l).get(0).toArray();
                float[] fw = fanIn.parameters(l).get(0).toArray();
                float[] gb = glorot.parameters(l).get(1).toArray();
                float[] fb = fanIn.parameters(l).get(1).toArray();
                assertTrue(maxAbs(gw) <= glorotLimit && maxAbs(gw) > 0.9 * glorotLimit, "layer " + l + " glorot");
                assertTrue(maxAbs(fw) <= fanInLimit && maxAbs(fw) > 0.9 * fanInLimit, "layer " + l + " fan-in");
                assertEquals(0.0, maxAbs(gb), "glorot's biases are zero");
                assertTrue(maxAbs(fb) <= fanInLimit && maxAbs(fb) > 0, "fan-in's biases are drawn, layer " + l);
                p++;
            }
            assertEquals(3, p);
        }
    }

    @Test
    void theSeedDecides() {
        try (Backend cpu = Backends.open(BackendKind.CPU);
             Network a = Network.create(cpu, Shape.of(784), LayerSpec.parse("dense20-relu-dense10"), 5,
                     Network.Initialisation.FAN_IN_UNIFORM);
             Network b = Network.create(cpu, Shape.of(784), LayerSpec.parse("dense20-relu-dense10"), 5,
                     Network.Initialisation.FAN_IN_UNIFORM);
             Network c = Network.create(cpu, Shape.of(784), LayerSpec.parse("dense20-relu-dense10"), 6,
                     Network.Initialisation.FAN_IN_UNIFORM)) {
            assertArrayEquals(a.parameters(0).get(0).toArray(), b.parameters(0).get(0).toArray());
            assertTrue(a.parameters(0).get(0).toArray()[0] != c.parameters(0).get(0).toArray()[0]);
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
