package dev.secateur.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of one parameter in a network, in DL4J's own spelling: {@code "2_W"} is the weight matrix
 * of layer 2, {@code "2_b"} its bias.
 *
 * @param layer the layer index, from 0
 * @param key   the parameter key inside the layer, such as {@code W} or {@code b}
 */
public record ParamRef(int layer, String key) implements Comparable<ParamRef> {

    private static final Pattern FORM = Pattern.compile("(\\d+)_([A-Za-z][A-Za-z0-9]*)");

    public ParamRef {
        if (layer < 0) {
            throw new IllegalArgumentException("layer index must be >= 0, got " + layer);
        }
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("parameter key must not be blank");
        }
    }

    /** Parses {@code "2_W"}; anything else is refused with a message that shows the expected form. */
    public static ParamRef parse(String text) {
        var m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "parameter '" + text + "' is not of the form <layer>_<key>, for example '0_W' or '2_b'");
        }
        return new ParamRef(Integer.parseInt(m.group(1)), m.group(2));
    }

    /** The weight parameter of a layer. */
    public static ParamRef weights(int layer) {
        return new ParamRef(layer, "W");
    }

    /** The bias parameter of the same layer. */
    public ParamRef bias() {
        return new ParamRef(layer, "b");
    }

    @Override
    public int compareTo(ParamRef other) {
        int byLayer = Integer.compare(layer, other.layer);
        return byLayer != 0 ? byLayer : key.compareTo(other.key);
    }

    @Override
    public String toString() {
        return layer + "_" + key;
    }
}
