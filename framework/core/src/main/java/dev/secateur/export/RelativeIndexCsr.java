package dev.secateur.export;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Compressed sparse rows with relative indices, as in Han et al. 2016 (Deep Compression): each nonzero
 * is stored as the distance from the previous one in its row, in one unsigned byte, plus its value. A
 * distance above 255 cannot be written, so a filler entry (distance 255, value 0) is inserted and the
 * rest of the distance carries on from there, which is the paper's "filler zero". Values are kept as
 * float32 bit patterns, so -0.0 and NaN survive and decoding is bit-identical.
 *
 * @param rows    rows of the 2-D view (the parameter's first dimension)
 * @param cols    entries per row (the product of the other dimensions), in C order
 * @param rowEnds for each row, the number of entries stored up to and including it
 * @param gaps    per entry, the distance from the previous entry of its row (from -1 at a row's start)
 * @param values  per entry, the value (0 for fillers)
 */
public record RelativeIndexCsr(int rows, int cols, int[] rowEnds, byte[] gaps, float[] values) {

    /** The largest distance one byte holds. */
    public static final int MAX_GAP = 255;

    public static RelativeIndexCsr encode(float[] dense, int rows, int cols) {
        if ((long) rows * cols != dense.length) {
            throw new IllegalArgumentException(rows + " x " + cols + " does not match " + dense.length + " values");
        }
        var gaps = new ByteArrayOutputStream();
        float[] values = new float[16];
        int count = 0;
        int[] rowEnds = new int[rows];
        for (int r = 0; r < rows; r++) {
            int last = -1;
            for (int c = 0; c < cols; c++) {
                float v = dense[r * cols + c];
                if (Float.floatToRawIntBits(v) == 0) {
                    continue; // +0.0 only: -0.0 is a value with a sign and is kept
                }
                int gap = c - last;
                while (gap > MAX_GAP) {
                    values = grow(values, count);
                    gaps.write(MAX_GAP);
                    values[count++] = 0f;
                    gap -= MAX_GAP;
                }
                values = grow(values, count);
                gaps.write(gap);
                values[count++] = v;
                last = c;
            }
            rowEnds[r] = count;
        }
        return new RelativeIndexCsr(rows, cols, rowEnds, gaps.toByteArray(), Arrays.copyOf(values, count));
    }

    public float[] decode() {
        float[] dense = new float[rows * cols];
        int entry = 0;
        for (int r = 0; r < rows; r++) {
            int position = -1;
            for (; entry < rowEnds[r]; entry++) {
                position += Byte.toUnsignedInt(gaps[entry]);
                if (position >= cols) {
                    throw new IllegalStateException("corrupt sparse data: row " + r + " runs past " + cols + " columns");
                }
                dense[r * cols + position] = values[entry];
            }
        }
        return dense;
    }

    /** Entries stored, fillers included. */
    public int entries() {
        return values.length;
    }

    /** Filler entries: those that only carry a distance. */
    public int fillers() {
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (Float.floatToRawIntBits(values[i]) == 0) {
                n++;
            }
        }
        return n;
    }

    /** Bytes this takes in a file: the row ends, one byte per distance, four per value. */
    public long bytes() {
        return 4L * rows + gaps.length + 4L * values.length;
    }

    private static float[] grow(float[] values, int count) {
        return count < values.length ? values : Arrays.copyOf(values, values.length * 2);
    }
}
