package dev.secateur.data;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code standardize: true}: every channel (a table's column) less the training split's mean, over its std. Both
 * come from the training split only, so the test split tells the model nothing; spec.json records them.
 *
 * @param mean per channel or column
 * @param std  per channel or column, the population std; a constant column's 0 is recorded, and divides as 1
 */
public record Standardization(List<Double> mean, List<Double> std) {

    private static final int CHUNK = 4096;

    public Standardization {
        mean = List.copyOf(mean);
        std = List.copyOf(std);
    }

    /** The training split's mean and std per channel, accumulated in double over chunks of rows. */
    public static Standardization of(Dataset train) {
        var shape = train.shape();
        int channels = shape.channels();
        int plane = shape.size() / channels;
        double[] sum = new double[shape.size()];
        double[] squares = new double[shape.size()];
        var features = train.features();
        for (long start = 0; start < train.size(); start += CHUNK) {
            var rows = features.get(NDArrayIndex.interval(start, Math.min(start + CHUNK, train.size())), NDArrayIndex.all())
                    .castTo(DataType.DOUBLE);
            double[] s = rows.sum(0).toDoubleVector();
            double[] q = rows.mul(rows).sum(0).toDoubleVector();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += s[i];
                squares[i] += q[i];
            }
        }
        var mean = new ArrayList<Double>();
        var std = new ArrayList<Double>();
        double count = (double) train.size() * plane;
        for (int c = 0; c < channels; c++) {
            double total = 0;
            double totalSquares = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                total += sum[i];
                totalSquares += squares[i];
            }
            double m = total / count;
            mean.add(m);
            std.add(Math.sqrt(Math.max(totalSquares / count - m * m, 0)));
        }
        return new Standardization(mean, std);
    }

    /** The same examples, standardised: a new array, the original left as it was. */
    public Dataset apply(Dataset data) {
        int size = data.shape().size();
        int plane = size / mean.size();
        float[] shift = new float[size];
        float[] scale = new float[size];
        for (int i = 0; i < size; i++) {
            int c = i / plane;
            shift[i] = (float) (double) mean.get(c);
            double s = std.get(c);
            scale[i] = (float) (s > 0 ? s : 1);
        }
        var features = data.features().dup('c')
                .subiRowVector(Nd4j.create(shift, new long[]{1, size}, 'c'))
                .diviRowVector(Nd4j.create(scale, new long[]{1, size}, 'c'));
        return new Dataset(data.name(), data.shape(), features, data.labels(), data.classes());
    }
}
