package dev.secateur.model.gpt;

import dev.secateur.errors.BadInputException;

/**
 * The size of a {@code gpt-tiny}: blocks, model width, attention heads, MLP width, context length and vocabulary.
 * The default, about 0.9M parameters, trains on this machine's two cores in minutes.
 */
public record GptShape(int layers, int dModel, int heads, int mlp, int context, int vocabulary) {

    /** Bytes as tokens. */
    public static final int BYTES = 256;

    public static final GptShape DEFAULT = new GptShape(4, 128, 4, 512, 128, BYTES);

    public GptShape {
        require("layers", layers, 1, 64);
        require("dModel", dModel, 2, 4096);
        require("heads", heads, 1, dModel);
        require("mlp", mlp, 1, 65536);
        require("context", context, 2, 8192);
        require("vocabulary", vocabulary, 2, 1 << 20);
        if (dModel % heads != 0) {
            throw new BadInputException("gpt-tiny: dModel " + dModel + " is not a multiple of heads " + heads
                    + "; every head needs the same width, for example dModel: " + (dModel / heads) * heads);
        }
    }

    private static void require(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new BadInputException("gpt-tiny: " + name + " = " + value + " must be from " + min + " to " + max);
        }
    }

    public int headWidth() {
        return dModel / heads;
    }
}
