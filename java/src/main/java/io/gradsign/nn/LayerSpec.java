package io.gradsign.nn;

import io.gradsign.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The short form of a layer list that the command line and the model file use: layers joined by
 * '-', for example {@code conv32k3p1-relu-pool2-conv64k3p1-relu-pool2-dense128-relu-dense10}.
 * <ul>
 *   <li>{@code conv<C>k<K>[x<K2>][s<S>[x<S2>]][p<P>[x<P2>]]}: {@link Conv2d} with C output channels,
 *       kernel K (&times; K2), stride S (default 1), padding P (default 0);</li>
 *   <li>{@code pool<K>[x<K2>][s<S>[x<S2>]]}: {@link MaxPool2d}, stride the window unless given;
 *       {@code avgpool...}: {@link AvgPool2d};</li>
 *   <li>{@code dense<N>}: {@link Dense}; a {@code flatten} is inserted before the first dense layer
 *       after a convolution or pooling when none is written;</li>
 *   <li>{@code relu}, {@code tanh}, {@code sigmoid}, {@code flatten}.</li>
 * </ul>
 */
public final class LayerSpec {
    private static final Pattern CONV = Pattern.compile(
            "conv(\\d+)k(\\d+)(?:x(\\d+))?(?:s(\\d+)(?:x(\\d+))?)?(?:p(\\d+)(?:x(\\d+))?)?");
    private static final Pattern POOL = Pattern.compile("(avgpool|pool)(\\d+)(?:x(\\d+))?(?:s(\\d+)(?:x(\\d+))?)?");
    private static final Pattern DENSE = Pattern.compile("dense(\\d+)");

    private LayerSpec() {}

    /** The CNN the project ships for Fashion-MNIST. */
    public static final String FASHION_CNN = "conv32k3p1-relu-pool2-conv64k3p1-relu-pool2-dense128-relu-dense10";

    /**
     * The layers a spec names, in order.
     *
     * @throws IllegalArgumentException naming the first token it cannot read
     */
    public static List<Layer> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty layer spec");
        }
        List<Layer> layers = new ArrayList<>();
        boolean spatial = false;
        for (String raw : spec.trim().toLowerCase(Locale.ROOT).split("-", -1)) {
            String token = raw.trim();
            Matcher m;
            if ((m = CONV.matcher(token)).matches()) {
                int k = number(m.group(2), token);
                int s = m.group(4) == null ? 1 : number(m.group(4), token);
                int p = m.group(6) == null ? 0 : number(m.group(6), token);
                layers.add(new Conv2d(number(m.group(1), token), k, m.group(3) == null ? k : number(m.group(3), token),
                        s, m.group(5) == null ? s : number(m.group(5), token), p,
                        m.group(7) == null ? p : number(m.group(7), token), Activation.NONE));
                spatial = true;
            } else if ((m = POOL.matcher(token)).matches()) {
                int kh = number(m.group(2), token);
                int kw = m.group(3) == null ? kh : number(m.group(3), token);
                int sh = m.group(4) == null ? kh : number(m.group(4), token);
                int sw = m.group(5) == null ? (m.group(4) == null ? kw : sh) : number(m.group(5), token);
                layers.add(m.group(1).equals("pool") ? new MaxPool2d(kh, kw, sh, sw) : new AvgPool2d(kh, kw, sh, sw));
                spatial = true;
            } else if ((m = DENSE.matcher(token)).matches()) {
                if (spatial) {
                    layers.add(new Flatten());
                    spatial = false;
                }
                layers.add(new Dense(number(m.group(1), token)));
            } else {
                switch (token) {
                    case "relu" -> layers.add(new ReLU());
                    case "tanh" -> layers.add(new Tanh());
                    case "sigmoid" -> layers.add(new Sigmoid());
                    case "flatten" -> {
                        layers.add(new Flatten());
                        spatial = false;
                    }
                    default -> throw new IllegalArgumentException("unknown layer '" + token + "' in spec '" + spec
                            + "' (expected convCkK[sS][pP], poolK, avgpoolK, denseN, relu, tanh, sigmoid, flatten)");
                }
            }
        }
        return layers;
    }

    /** The spec of a layer list: each layer's {@link Layer#spec()}, joined by '-'. */
    public static String format(List<Layer> layers) {
        StringBuilder s = new StringBuilder();
        for (Layer layer : layers) {
            if (s.length() > 0) {
                s.append('-');
            }
            s.append(layer.spec());
        }
        return s.toString();
    }

    static String activationSuffix(Activation activation) {
        return switch (activation) {
            case NONE -> "";
            case RELU -> "-relu";
            case TANH -> "-tanh";
            default -> "-" + activation.name().toLowerCase(Locale.ROOT);
        };
    }

    private static int number(String digits, String token) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number too large in layer '" + token + "'");
        }
    }
}
