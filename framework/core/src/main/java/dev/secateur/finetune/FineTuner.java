package dev.secateur.finetune;

import dev.secateur.data.Dataset;
import dev.secateur.data.MinibatchIterator;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.spec.RecoverySpec;
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
 * Trains a network with Adam, optionally with an L2 penalty and a decaying rate: a dense baseline from scratch, or fine-tuning
 * after pruning with the masks enforced after every update, so the sparsity a step reached is exactly the
 * sparsity it keeps.
 */
public final class FineTuner {

    /**
     * The system property that, set to false, keeps the perceptron loop's Adam from counting tiny gradients and
     * moments as zero where subnormal floats appear (they then pile up in long runs, as in DL4J's own Adam); for
     * comparison.
     */
    public static final String FLUSH_TINY_MOMENTS_PROPERTY = "secateur.training.flushTinyMoments";

    /** Progress is reported at most this often, so listeners never slow training down. */
    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;

    public TrainingReport train(MultiLayerNetwork net, Dataset train, TrainingSpec spec, MaskSet masks, long seed,
                                TrainingProgressListener progress) {
        return train(Network.of(net), train, spec, masks, seed, progress);
    }

    public TrainingReport train(Network net, Dataset train, TrainingSpec spec, MaskSet masks, long seed,
                                TrainingProgressListener progress) {
        return train(net, train, spec, masks, seed, progress, Extras.NONE).report();
    }

    /**
     * What a training phase may do beyond training: distil from a teacher, and take a copy of the network at
     * one iteration for rewinding.
     *
     * @param teacher      the dense model whose outputs the student also matches, or null
     * @param distillation how to weigh the teacher's outputs; null exactly when {@code teacher} is
     * @param captureAt    the number of updates after which a copy is taken (0: before the first), -1 for none
     */
    public record Extras(Network teacher, RecoverySpec.Distillation distillation, int captureAt) {

        public static final Extras NONE = new Extras(null, null, -1);

        public Extras {
            if ((teacher == null) != (distillation == null)) {
                throw new IllegalArgumentException("distillation needs both a teacher and its settings");
            }
        }
    }

    /** @param captured the copy {@link Extras#captureAt()} asked for, or null */
    public record Result(TrainingReport report, Network captured) {
    }

    public Result train(Network net, Dataset train, TrainingSpec spec, MaskSet masks, long seed,
                        TrainingProgressListener progress, Extras extras) {
        long iterations = (long) spec.epochs() * ((train.size() + spec.batchSize() - 1) / spec.batchSize());
        if (extras.captureAt() > iterations) {
            throw new BadInputException("rewind iteration " + extras.captureAt() + " is beyond the dense "
                    + "training, which makes " + iterations + " updates (" + spec.epochs() + " epoch(s) of " + train.size()
                    + " examples at batch " + spec.batchSize() + "); choose an iteration from 0 to " + iterations);
        }
        var capture = new RewindCapture(net, extras.captureAt());
        if (spec.epochs() == 0) {
            return new Result(TrainingReport.NONE, capture.captured);
        }
        net.setLearningRate(spec.learningRate());
        boolean cosine = spec.decay() == TrainingSpec.Decay.COSINE && iterations > 0;
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
        if (extras.captureAt() > 0) {
            listeners.add(capture); // after the mask enforcer: the copy holds the weights as they are used
        }
        var previous = new ArrayList<>(net.listeners());
        net.setListeners(listeners);
        var outputLayer = extras.teacher() == null ? null : net.outputLayer();
        var hardLoss = outputLayer == null ? null : outputLayer.getLossFn();
        if (outputLayer != null) {
            outputLayer.setLossFn(new DistillationLoss(hardLoss, extras.distillation()));
            var teacher = extras.teacher();
            iterator.setPreProcessor(batch -> batch.setLabels(DistillationLoss.labels(batch.getLabels(), teacher.output(batch.getFeatures()))));
        }
        long start = System.nanoTime();
        try {
            if (cosine) {
                net.setLearningRate(new CosineDecay(net.iterationCount(), iterations, spec.learningRate()));
            }
            var loop = denseLoop(net, extras); // after the schedule: setting one rebuilds the updater the loop works on
            try (var standIns = TrainingConvolutionLayer.during(net)) {
                for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
                    counter.epoch = epoch;
                    if (loop != null) {
                        loop.fitEpoch(iterator, listeners);
                    } else {
                        net.fit(iterator);
                    }
                    iterator.reset();
                }
            }
        } finally {
            net.setListeners(previous);
            if (outputLayer != null) {
                outputLayer.setLossFn(hardLoss); // a saved model never holds the training-only loss
            }
            if (cosine) { // nor the training-only schedule
                net.setLearningRate(spec.learningRate());
                if (capture.captured != null) {
                    capture.captured.setLearningRate(spec.learningRate());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        counter.report(true);
        // a diverged network would be scored, pruned and reported as if it were a model, failing far from the cause
        if (!Double.isFinite(net.params().sumNumber().doubleValue())) {
            throw new BadInputException("training diverged: the weights became NaN or infinite within "
                    + spec.epochs() + " epoch(s) at learning rate " + spec.learningRate() + " (loss " + counter.score
                    + "); lower the learning rate (lr:) of this training");
        }
        return new Result(new TrainingReport(counter.examplesDone, seconds), capture.captured);
    }

    /** Whether that loop's Adam counts tiny gradients and moments as zero (the default); see {@link #FLUSH_TINY_MOMENTS_PROPERTY}. */
    public static boolean flushTinyMomentsEnabled() {
        return Boolean.parseBoolean(System.getProperty(FLUSH_TINY_MOMENTS_PROPERTY, "true"));
    }

    /** Whether plain multilayer perceptrons train through Secateur's own loop (the default) rather than DL4J's fit. */
    public static boolean denseLoopEnabled() {
        return DenseTrainingLoop.enabled();
    }

    /** The fast loop for a plain multilayer perceptron, or null: DL4J's fit trains everything else. */
    private static DenseTrainingLoop denseLoop(Network net, Extras extras) {
        if (net.isGraph() || extras.teacher() != null) {
            return null;
        }
        var sequential = net.sequential("training");
        return DenseTrainingLoop.unsupported(sequential) == null ? new DenseTrainingLoop(sequential) : null;
    }

    /** Takes a copy of the network after a given number of updates: weights, optimiser state and iteration count. */
    private static final class RewindCapture extends BaseTrainingListener {
        private final Network net;
        private final int at;
        private int updates;
        private Network captured;

        RewindCapture(Network net, int at) {
            this.net = net;
            this.at = at;
            if (at == 0) {
                captured = net.copy();
            }
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (++updates == at) {
                captured = net.copy();
            }
        }
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
