package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.MinibatchIterator;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NetworkLayout;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

class FineTunerTest {

    private final FineTuner fineTuner = new FineTuner();

    private static MaskSet prune(MultiLayerNetwork net, Granularity granularity, double target) {
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        params.forEach(p -> scores.put(p.weights(), Transforms.abs(net.getParam(p.weights().toString()), true)));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "magnitude", "t"), MaskSet.NONE, granularity,
                new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, target, Map.of()),
                new Provenance("magnitude", "t", Options.NONE, "one-shot", "t", 1));
        var masks = MaskSet.of(plan.masks());
        masks.applyTo(net);
        return masks;
    }

    /** How many entries a mask removes. */
    private static long pruned(MaskSet masks, ParamRef ref) {
        var mask = masks.of(ref).orElseThrow();
        return mask.length() - mask.sumNumber().longValue();
    }

    /** Zeros of each masked parameter, as a 0/1 array: 1 where the parameter is exactly zero. */
    private static Map<ParamRef, INDArray> zeroPattern(MultiLayerNetwork net, MaskSet masks) {
        var pattern = new HashMap<ParamRef, INDArray>();
        masks.masks().keySet().forEach(ref -> pattern.put(ref,
                net.getLayer(ref.layer()).getParam(ref.key()).eq(0).castTo(DataType.FLOAT)));
        return pattern;
    }

    @Test
    void unstructuredSparsityIsPreservedExactlyThroughFineTuning() {
        var net = Architecture.LENET_300_100.build(3L, 1e-3);
        var masks = prune(net, Granularity.unstructured(), 0.8);
        var before = zeroPattern(net, masks);
        var progress = new ArrayList<TrainingProgressListener.Progress>();
        var report = fineTuner.train(net, Fixtures.smallData().train(), new TrainingSpec(2, 64, 1e-3), masks, 3L, progress::add);

        assertThat(report.examples()).isEqualTo(2 * 2000);
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1).examplesDone()).isEqualTo(4000);
        var after = zeroPattern(net, masks);
        for (var ref : masks.masks().keySet()) {
            // the same entries are zero, no more and no fewer
            assertThat(after.get(ref)).as(ref.toString()).isEqualTo(before.get(ref));
            assertThat(after.get(ref).sumNumber().longValue()).isEqualTo(pruned(masks, ref));
        }
    }

    @Test
    void removedFiltersAndTheirBiasesStayZeroThroughFineTuning() {
        var net = Architecture.LENET_5.build(3L, 1e-3);
        var masks = prune(net, Granularity.structured(GroupReduction.L1), 0.5);
        assertThat(masks.masks()).containsKey(new ParamRef(0, "b"));
        var small = Fixtures.smallData().train().sample(256, 1L);
        fineTuner.train(net, small, new TrainingSpec(1, 32, 1e-3), masks, 3L, TrainingProgressListener.NONE);
        for (var entry : masks.masks().entrySet()) {
            var param = net.getLayer(entry.getKey().layer()).getParam(entry.getKey().key());
            assertThat(param.mul(entry.getValue().rsub(1)).amaxNumber().doubleValue()).as(entry.getKey().toString()).isZero();
            if (entry.getKey().key().equals("W")) {
                // biases of dead ReLU units can stay at their initial zero, so exact counts are for weights
                assertThat(param.eq(0).castTo(DataType.INT).sumNumber().longValue()).isEqualTo(pruned(masks, entry.getKey()));
            }
        }
    }

    @Test
    void withoutMasksTrainingChangesEveryLayerAndLowersTheLoss() {
        var net = Architecture.LENET_300_100.build(5L, 1e-3);
        var data = Fixtures.smallData();
        double before = net.score(data.test().head(500));
        var w0 = net.getParam("0_W").dup();
        fineTuner.train(net, data.train(), new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        assertThat(net.getParam("0_W")).isNotEqualTo(w0);
        assertThat(net.score(data.test().head(500))).isLessThan(before);
    }

    @Test
    void anL2PenaltyShrinksTheWeightsAndLeavesConfiguredRegularizationAloneWhenNotGiven() {
        var data = Fixtures.smallData().train();
        var plain = Architecture.LENET_300_100.build(5L, 1e-3);
        var penalised = plain.clone();
        fineTuner.train(plain, data, new TrainingSpec(2, 64, 1e-3), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        fineTuner.train(penalised, data, new TrainingSpec(2, 64, 1e-3, 0.05), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        assertThat(penalised.getParam("0_W").norm2Number().doubleValue())
                .isLessThan(0.8 * plain.getParam("0_W").norm2Number().doubleValue());
        // a later run without l2 keeps the penalty the network now carries; l2: 0 removes it
        var layer = (BaseLayer) penalised.getLayer(0).conf().getLayer();
        fineTuner.train(penalised, data, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        assertThat(layer.getRegularization()).hasSize(1);
        fineTuner.train(penalised, data, new TrainingSpec(1, 64, 1e-3, 0.0), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        assertThat(layer.getRegularization()).isEmpty();
    }

    @Test
    void trainingThatDivergesIsRefusedWithTheLearningRateToLower() {
        var net = Architecture.LENET_300_100.build(5L, 1e-3);
        var data = Fixtures.smallData();
        Assertions.assertThatThrownBy(() -> fineTuner.train(net, data.train(), new TrainingSpec(1, 64, 1e12),
                        MaskSet.NONE, 5L, TrainingProgressListener.NONE))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("training diverged").hasMessageContaining("learning rate 1.0E12").hasMessageContaining("lower");
    }

    @Test
    void zeroEpochsDoesNothing() {
        var net = Architecture.LENET_300_100.build(5L, 1e-3);
        var params = net.params().dup();
        var report = fineTuner.train(net, Fixtures.smallData().train(), new TrainingSpec(0, 64, 1e-3), MaskSet.NONE, 5L,
                TrainingProgressListener.NONE);
        assertThat(report).isEqualTo(TrainingReport.NONE);
        assertThat(net.params()).isEqualTo(params);
    }

    @Test
    void aCosineDecayFallsFromTheRateToZeroOverItsUpdates() {
        var decay = new CosineDecay(100, 10, 1e-3);
        assertThat(decay.valueAt(100, 3)).isEqualTo(1e-3);
        assertThat(decay.valueAt(105, 3)).isCloseTo(5e-4, Offset.offset(1e-15));
        assertThat(decay.valueAt(110, 3)).isCloseTo(0, Offset.offset(1e-18));
        assertThat(decay.valueAt(99, 3)).as("before the phase").isEqualTo(1e-3);
        assertThat(decay.valueAt(500, 3)).as("after it").isCloseTo(0, Offset.offset(1e-18));
    }

    /**
     * A graph trained in a cosine phase after a constant one ends exactly where DL4J's fit ends when the rate is set
     * by hand before each update, counted from the phase's first update; and the network is left at a constant rate.
     */
    @Test
    void aCosinePhaseUpdatesAtTheDecayedRateAndLeavesTheNetworkAtAConstantRate() {
        var train = Fixtures.smallData().train().sample(256, 1L);
        var net = Architecture.RESNET_SMALL.network(1L, 1e-3);
        var byHand = Architecture.RESNET_SMALL.network(1L, 1e-3);
        for (var n : List.of(net, byHand)) { // counters past 0, so the phase's offset matters
            fineTuner.train(n, train, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 2L, TrainingProgressListener.NONE);
        }
        var cosine = new TrainingSpec(1, 64, 1e-3, null, TrainingSpec.Decay.COSINE);
        var report = fineTuner.train(net, train, cosine, MaskSet.NONE, 3L, TrainingProgressListener.NONE);

        var batches = new MinibatchIterator(train, 64, 3L);
        try (var standIns = TrainingConvolutionLayer.during(byHand)) { // the convolutions the fine-tuner trains with
            for (int i = 0; batches.hasNext(); i++) {
                byHand.setLearningRate(1e-3 * 0.5 * (1 + Math.cos(Math.PI * (i / 4.0))));
                byHand.graph().fit(batches.next());
            }
        }
        assertThat(report.examples()).isEqualTo(256);
        assertThat(net.iterationCount()).isEqualTo(byHand.iterationCount()).isEqualTo(8);
        assertThat(net.params().sub(byHand.params()).amaxNumber().doubleValue()).as("weights after the cosine phase").isLessThan(1e-7);
        var constant = Architecture.RESNET_SMALL.network(1L, 1e-3);
        fineTuner.train(constant, train, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 2L, TrainingProgressListener.NONE);
        fineTuner.train(constant, train, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 3L, TrainingProgressListener.NONE);
        assertThat(constant.params().sub(net.params()).amaxNumber().doubleValue()).as("a constant rate ends elsewhere").isGreaterThan(1e-5);
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).conf().getLayer() instanceof BaseLayer layer
                    && layer.getIUpdater() instanceof Adam adam) {
                assertThat(adam.getLearningRateSchedule()).as("no saved model holds the phase's schedule").isNull();
                assertThat(adam.getLearningRate()).isEqualTo(1e-3);
            }
        }
    }
}
