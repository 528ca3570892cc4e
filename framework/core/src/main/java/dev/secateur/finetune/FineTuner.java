package dev.secateur.finetune;

import dev.secateur.model.Network;
import dev.secateur.data.Dataset;
import dev.secateur.data.MinibatchIterator;
import dev.secateur.model.MaskSet;
import dev.secateur.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.regularization.L2Regularization;

/**
 * Trains a network with Adam, optionally with an L2 penalty: a dense baseline from scratch, or fine-tuning
 * after pruning with the masks enforced after every update, so the sparsity a step reached is exactly the
 * sparsity it keeps.
 */
public final class FineTuner {

    /** Progress is reported at most this often, so listeners never slow training down. */
    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;

    public TrainingReport train(MultiLayerNetwork net, Dataset train, TrainingSpec spec, MaskSet masks, long seed,
                                TrainingProgressListener progress) {
        return train(Network.of(net), train, spec, masks, seed, progress);
    }

    public TrainingReport train(Network net, Dataset train, TrainingSpec spec, MaskSet masks, long seed,
                                TrainingProgressListener progress) {
        if (spec.epochs() == 0) {
            return TrainingReport.NONE;
        }
        net.setLearningRate(spec.learningRate());
        if (spec.l2() != null) {
            regularize(net, spec.l2());
        }
        var iterator = new MinibatchIterator(train, spec.batchSize(), seed);
        var counter = new ProgressCounter(spec, train.size(), progress);
        var listeners = new ArrayList<TrainingListener>(List.of(counter));
        if (!masks.isEmpty()) {
            var bound = masks.bind(net);
            bound.apply(); // start from masked weights, whatever the caller handed over
            listeners.add(0, new MaskEnforcer(bound));
        }
        var previous = new ArrayList<>(net.listeners());
        net.setListeners(listeners);
        long start = System.nanoTime();
        try {
            for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
                counter.epoch = epoch;
                net.fit(iterator);
                iterator.reset();
            }
        } finally {
            net.setListeners(previous);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        counter.report(true);
        // a diverged network would be scored, pruned and reported as if it were a model, failing far from the cause
        if (!Double.isFinite(net.params().sumNumber().doubleValue())) {
            throw new dev.secateur.errors.BadInputException("training diverged: the weights became NaN or infinite within "
                    + spec.epochs() + " epoch(s) at learning rate " + spec.learningRate() + " (loss " + counter.score
                    + "); lower the learning rate (lr:) of this training");
        }
        return new TrainingReport(counter.examplesDone, seconds);
    }

    /**
     * Sets the L2 penalty on every layer's weights (biases are left alone, as DL4J does by default). Han et
     * al. 2015 found L2 the best regularizer when retraining pruned networks. DL4J reads the setting at
     * every update, so it takes effect on a network that is already initialised.
     */
    static void regularize(Network net, double l2) {
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).conf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(l2 > 0 ? List.of(new L2Regularization(l2)) : List.of());
            }
        }
    }

    private static final class ProgressCounter extends BaseTrainingListener {
        private final TrainingSpec spec;
        private final long examplesTotal;
        private final TrainingProgressListener listener;
        private int epoch = 1;
        private long examplesDone;
        private long lastReport;
        private double score = Double.NaN;

        ProgressCounter(TrainingSpec spec, int trainSize, TrainingProgressListener listener) {
            this.spec = spec;
            this.examplesTotal = (long) trainSize * spec.epochs();
            this.listener = listener;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epochIndex) {
            examplesDone += model.batchSize();
            score = model.score();
            report(false);
        }

        void report(boolean force) {
            long now = System.nanoTime();
            if (force || now - lastReport >= PROGRESS_INTERVAL_NANOS) {
                lastReport = now;
                listener.onProgress(new TrainingProgressListener.Progress(epoch, spec.epochs(), examplesDone, examplesTotal, score));
            }
        }
    }
}
