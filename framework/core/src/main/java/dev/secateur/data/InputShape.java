package dev.secateur.data;

import java.util.Arrays;

/**
 * The shape of one example: an image of {@code [C, H, W]} or a row of {@code [F]} features. Examples are held as
 * flat rows of {@link #size()} values, an image channel after channel (NCHW), which is what DL4J's
 * {@code InputType.convolutionalFlat(H, W, C)} reshapes.
 */
public sealed interface InputShape permits InputShape.Image, InputShape.Features, InputShape.Tokens {

    /** Values per example. */
    int size();

    /** What preprocessing's mean and std are given per: an image's channels, or a table's columns. */
    int channels();

    /** As {@code Network.inputShape()} gives it: {@code [C, H, W]} or {@code [F]}. */
    long[] dims();

    /** "3×32×32" or "30 features". */
    String describe();

    static InputShape image(int channels, int height, int width) {
        return new Image(channels, height, width);
    }

    static InputShape features(int count) {
        return new Features(count);
    }

    /** {@code [C, H, W]} or {@code [F]}, as a network or an array file reports it. */
    static InputShape of(long[] dims) {
        if (dims.length == 1) {
            return features(Math.toIntExact(dims[0]));
        }
        if (dims.length == 3) {
            return image(Math.toIntExact(dims[0]), Math.toIntExact(dims[1]), Math.toIntExact(dims[2]));
        }
        throw new IllegalArgumentException("an example is [C, H, W] or [F], not " + Arrays.toString(dims));
    }

    static InputShape tokens(int context, int vocabulary) {
        return new Tokens(context, vocabulary);
    }

    /**
     * A sequence of {@code context} token ids (bytes of text, so a vocabulary of 256), held as floats; a language
     * model predicts each next token.
     */
    record Tokens(int context, int vocabulary) implements InputShape {
        public Tokens {
            if (context < 2 || vocabulary < 2) {
                throw new IllegalArgumentException("a sequence needs a context of at least 2 tokens and a vocabulary of at least "
                        + "2, not " + context + " and " + vocabulary);
            }
        }

        @Override
        public int size() {
            return context;
        }

        @Override
        public int channels() {
            return 1;
        }

        @Override
        public long[] dims() {
            return new long[]{context};
        }

        @Override
        public String describe() {
            return "sequences of " + context + " tokens";
        }
    }

    record Image(int channels, int height, int width) implements InputShape {
        public Image {
            if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("an image must have at least one channel, row and column, not "
                        + channels + "×" + height + "×" + width);
            }
        }

        @Override
        public int size() {
            return channels * height * width;
        }

        @Override
        public long[] dims() {
            return new long[]{channels, height, width};
        }

        @Override
        public String describe() {
            return channels + "×" + height + "×" + width;
        }
    }

    record Features(int count) implements InputShape {
        public Features {
            if (count < 1) {
                throw new IllegalArgumentException("an example needs at least one feature, not " + count);
            }
        }

        @Override
        public int size() {
            return count;
        }

        @Override
        public int channels() {
            return count;
        }

        @Override
        public long[] dims() {
            return new long[]{count};
        }

        @Override
        public String describe() {
            return count + (count == 1 ? " feature" : " features");
        }
    }
}
