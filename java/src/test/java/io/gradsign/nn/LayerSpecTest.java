package io.gradsign.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gradsign.Activation;
import io.gradsign.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerSpecTest {
    @Test
    void readsTheShippedCnn() {
        List<Layer> layers = LayerSpec.parse(LayerSpec.FASHION_CNN);
        assertEquals(List.of(new Conv2d(32, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Conv2d(64, 3, 1, 1), new ReLU(),
                new MaxPool2d(2), new Flatten(), new Dense(128), new ReLU(), new Dense(10)), layers);
        List<Layer> fused = Network.fuse(layers);
        assertEquals(7, fused.size());
        assertEquals(Activation.RELU, fused.get(0).activation());
        assertEquals(LayerSpec.FASHION_CNN.replace("pool2-dense", "pool2-flatten-dense"), LayerSpec.format(fused));
        assertEquals(List.of(Shape.of(32, 1, 3, 3), Shape.of(32), Shape.of(64, 32, 3, 3), Shape.of(64),
                Shape.of(128, 3136), Shape.of(128), Shape.of(10, 128), Shape.of(10)),
                Network.parameterShapes(Shape.of(1, 28, 28), layers));
    }

    @Test
    void readsEveryForm() {
        assertEquals(new Conv2d(8, 3, 2, 2, 1, 0, 1, Activation.NONE), LayerSpec.parse("conv8k3x2s2x1p0x1").get(0));
        assertEquals(new MaxPool2d(3, 3, 2, 2), LayerSpec.parse("pool3s2").get(0));
        assertEquals(new AvgPool2d(2, 3, 2, 3), LayerSpec.parse("avgpool2x3").get(0));
        assertEquals(List.of(new Dense(5), new Tanh(), new Sigmoid(), new Flatten()),
                LayerSpec.parse("dense5-tanh-sigmoid-flatten"));
        for (String spec : List.of("conv8k3x2s2x1p0x1-relu", "pool3s2", "avgpool2x3", "conv4k5s2p2-sigmoid-avgpool2s1")) {
            assertEquals(spec, LayerSpec.format(Network.fuse(LayerSpec.parse(spec))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "conv", "conv32", "conv0k3", "dense0", "pool0", "softmax", "relu--dense3",
        "dense99999999999", "conv3k3p3"})
    void refusesBadSpecsWithTheToken(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Network.parameterShapes(Shape.of(1, 8, 8), LayerSpec.parse(spec)));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), spec);
    }

    @Test
    void shapeMismatchesNameBothShapes() {
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
                () -> Network.parameterShapes(Shape.of(1, 28, 28), List.of(new Conv2d(4, 3, 1, 1), new Dense(10))));
        assertTrue(dense.getMessage().contains("(4, 28, 28)") && dense.getMessage().contains("flatten"),
                dense.getMessage());
        IllegalArgumentException pool = assertThrows(IllegalArgumentException.class,
                () -> Network.parameterShapes(Shape.of(784), List.of(new MaxPool2d(2), new Dense(10))));
        assertTrue(pool.getMessage().contains("(784,)"), pool.getMessage());
        IllegalArgumentException kernel = assertThrows(IllegalArgumentException.class,
                () -> Network.parameterShapes(Shape.of(1, 4, 4), LayerSpec.parse("conv2k5-dense3")));
        assertTrue(kernel.getMessage().contains("(1, 4, 4)"), kernel.getMessage());
        IllegalArgumentException last = assertThrows(IllegalArgumentException.class,
                () -> Network.parameterShapes(Shape.of(1, 4, 4), LayerSpec.parse("conv2k3")));
        assertTrue(last.getMessage().contains("(2, 2, 2)"), last.getMessage());
    }
}
