package dev.secateur.data;

import java.util.List;
import java.util.NoSuchElementException;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches over a {@link Dataset} in a seeded order that changes every epoch: epoch e uses the
 * permutation seeded by (seed, e), so training is reproducible and still sees fresh orders.
 */
public final class MinibatchIterator implements DataSetIterator {

    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private int epoch;
    private int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    public MinibatchIterator(Dataset data, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.order = Dataset.permutation(data.size(), seed);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        int end = Math.min(cursor + num, order.length);
        int[] rows = java.util.Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        var batch = new DataSet(Nd4j.pullRows(data.features(), 1, rows), Nd4j.pullRows(data.labels(), 1, rows));
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    /** Starts the next epoch, with its own permutation. */
    @Override
    public void reset() {
        epoch++;
        order = Dataset.permutation(data.size(), seed * 1_000_003L + epoch);
        cursor = 0;
    }

    @Override
    public int inputColumns() {
        return (int) data.features().columns();
    }

    @Override
    public int totalOutcomes() {
        return data.classCount();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        // Batches are cheap row gathers; a prefetch thread would only add nondeterminism.
        return false;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
