package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.data.MinibatchIterator;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.spec.RecoverySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Distillation's loss and lottery-ticket rewinding, on plain DL4J networks without Vert.x. */
class RecoveryTest {

    private static final ActivationSoftmax SOFTMAX = new ActivationSoftmax();

    /** Eight examples of five classes: logits, one-hot labels and a teacher's probabilities, in double precision. */
    private record Batch(INDArray logits, INDArray oneHot, INDArray teacher) {
        static Batch random(long seed) {
            Nd4j.getRandom().setSeed(seed);
            var logits = Nd4j.randn(DataType.DOUBLE, 8, 5).muli(2);
            var oneHot = Nd4j.zeros(DataType.DOUBLE, 8, 5);
            for (int i = 0; i < 8; i++) {
                oneHot.putScalar(i, (i * 3) % 5, 1.0);
            }
            var teacher = Transforms.softmax(Nd4j.randn(DataType.DOUBLE, 8, 5).muli(3), false);
            return new Batch(logits, oneHot, teacher);
        }

        INDArray labels() {
            return DistillationLoss.labels(oneHot, teacher);
        }
    }

    @Test
    void atTemperatureOneAndWeightZeroTheLossIsThePlainLoss() {
        var batch = Batch.random(1);
        var plain = new LossMCXENT();
        var distilled = new DistillationLoss(plain, new RecoverySpec.Distillation(1, 0));

        assertThat(distilled.computeScore(batch.labels(), batch.logits(), SOFTMAX, null, true))
                .isEqualTo(plain.computeScore(batch.oneHot(), batch.logits(), SOFTMAX, null, true));
        assertThat(distilled.computeScoreArray(batch.labels(), batch.logits(), SOFTMAX, null))
                .isEqualTo(plain.computeScoreArray(batch.oneHot(), batch.logits(), SOFTMAX, null));
        assertThat(distilled.computeGradient(batch.labels(), batch.logits(), SOFTMAX, null))
                .isEqualTo(plain.computeGradient(batch.oneHot(), batch.logits(), SOFTMAX, null));
    }

    @Test
    void aNetworkTrainedWithWeightZeroDistillationMatchesPlainTrainingExactly() {
        var data = Fixtures.smallData().train().sample(256, 3L);
        var spec = new TrainingSpec(1, 32, 1e-3);
        var plain = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var teacher = Network.of(Architecture.LENET_300_100.build(8L, 1e-3));
        var distilled = plain.copy();

        new FineTuner().train(plain, data, spec, MaskSet.NONE, 5L, p -> { });
        new FineTuner().train(distilled, data, spec, MaskSet.NONE, 5L, p -> { },
                new FineTuner.Extras(teacher, new RecoverySpec.Distillation(1, 0), -1));

        assertThat(distilled.params()).isEqualTo(plain.params());
        // the training-only loss is gone again, so the saved model is a plain one
        assertThat(distilled.outputLayer().getLossFn()).isNotInstanceOf(DistillationLoss.class);
    }

    @Test
    void theGradientMatchesFiniteDifferences() {
        var batch = Batch.random(2);
        var loss = new DistillationLoss(new LossMCXENT(), new RecoverySpec.Distillation(3, 0.6));
        var gradient = loss.computeGradient(batch.labels(), batch.logits(), SOFTMAX, null);
        double h = 1e-6;
        for (int i = 0; i < 8; i++) {
            for (int c = 0; c < 5; c++) {
                var plus = batch.logits().dup();
                plus.putScalar(i, c, plus.getDouble(i, c) + h);
                var minus = batch.logits().dup();
                minus.putScalar(i, c, minus.getDouble(i, c) - h);
                double numeric = (loss.computeScore(batch.labels(), plus, SOFTMAX, null, false)
                        - loss.computeScore(batch.labels(), minus, SOFTMAX, null, false)) / (2 * h);
                assertThat(gradient.getDouble(i, c)).as("d loss / d z[%d,%d]", i, c)
                        .isCloseTo(numeric, Offset.offset(1e-6));
            }
        }
    }

    @Test
    void theSoftTermIsZeroWhenTheStudentMatchesTheTeacher() {
        var batch = Batch.random(3);
        // the student's logits are the teacher's log-probabilities: KL is zero at any temperature
        var logits = Transforms.log(batch.teacher(), true);
        var soft = new DistillationLoss(new LossMCXENT(), new RecoverySpec.Distillation(4, 1));
        assertThat(soft.computeScore(batch.labels(), logits, SOFTMAX, null, true)).isCloseTo(0, Offset.offset(1e-9));
        assertThat(soft.computeGradient(batch.labels(), logits, SOFTMAX, null).amaxNumber().doubleValue())
                .isLessThan(1e-9);
    }

    @Test
    void labelsOfTheWrongWidthAreRefusedWithWhatTheyMustBe() {
        var batch = Batch.random(4);
        var loss = new DistillationLoss(new LossMCXENT(), new RecoverySpec.Distillation(2, 0.5));
        assertThatThrownBy(() -> loss.computeScore(batch.oneHot(), batch.logits(), SOFTMAX, null, true))
                .hasMessageContaining("5 one-hot labels followed by the teacher's 5 probabilities");
    }

    @Test
    void theCopyAtIterationKIsTheNetworkAfterExactlyKUpdates() {
        var data = Fixtures.smallData().train().sample(512, 3L);
        var spec = new TrainingSpec(1, 64, 1e-3);
        var net = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var captured = new FineTuner().train(net, data, spec, MaskSet.NONE, 5L, p -> { },
                new FineTuner.Extras(null, null, 3)).captured();

        // the same training stopped after 3 updates: 3 batches of 64 are the first 192 examples of the same order
        var reference = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var iterator = new MinibatchIterator(data, 64, 5L);
        var first = new ArrayList<DataSet>();
        for (int i = 0; i < 3; i++) {
            first.add(iterator.next().copy()); // the iterator reuses its buffers
        }
        reference.setLearningRate(1e-3);
        reference.fit(new ExistingDataSetIterator(first));

        assertThat(captured.params()).isEqualTo(reference.params());
        assertThat(captured.updaterState()).isEqualTo(reference.updaterState());
        assertThat(net.params()).isNotEqualTo(captured.params()); // training went on after the copy
    }

    @Test
    void iterationZeroIsTheInitialisation() {
        var net = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var initial = net.params().dup();
        var captured = new FineTuner().train(net, Fixtures.smallData().train().sample(256, 3L), new TrainingSpec(1, 64, 1e-3),
                MaskSet.NONE, 5L, p -> { }, new FineTuner.Extras(null, null, 0)).captured();
        assertThat(captured.params()).isEqualTo(initial);
    }

    @Test
    void aRewindIterationBeyondTheTrainingIsRefusedBeforeTraining() {
        var net = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var before = net.params().dup();
        // 256 examples at batch 64 for 2 epochs: 8 updates
        assertThatThrownBy(() -> new FineTuner().train(net, Fixtures.smallData().train().sample(256, 3L), new TrainingSpec(2, 64, 1e-3),
                MaskSet.NONE, 5L, p -> { }, new FineTuner.Extras(null, null, 9)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("rewind iteration 9").hasMessageContaining("8 updates").hasMessageContaining("from 0 to 8");
        assertThat(net.params()).isEqualTo(before);
    }

    @Test
    void rewindingRestoresExactlyTheCheckpointedValuesOfTheSurvivingWeights() {
        var data = Fixtures.smallData().train().sample(512, 3L);
        var net = Network.of(Architecture.LENET_300_100.build(7L, 1e-3));
        var early = new FineTuner().train(net, data, new TrainingSpec(2, 64, 1e-3), MaskSet.NONE, 5L, p -> { },
                new FineTuner.Extras(null, null, 4)).captured();
        // prune half of the first layer by the trained magnitudes, as a step would
        var weights = net.getParam("0_W");
        double median = Transforms.abs(weights, true).medianNumber().doubleValue();
        var mask = Transforms.abs(weights, true).gt(median).castTo(weights.dataType());
        var masks = MaskSet.of(Map.of(ParamRef.parse("0_W"), mask));

        net.rewindTo(early);
        masks.bind(net).apply();

        var kept = mask.eq(1);
        var rewound = net.getParam("0_W");
        var checkpointed = early.getParam("0_W");
        assertThat(rewound.mul(mask)).isEqualTo(checkpointed.mul(mask));
        assertThat(rewound.mul(mask.rsub(1)).amaxNumber().doubleValue()).isZero();
        assertThat(kept.castTo(DataType.INT).sumNumber().longValue()).isGreaterThan(0);
        // every other parameter, and the optimiser, are as they were at the iteration
        assertThat(net.getParam("1_W")).isEqualTo(early.getParam("1_W"));
        assertThat(net.getParam("0_b")).isEqualTo(early.getParam("0_b"));
        assertThat(net.updaterState()).isEqualTo(early.updaterState());
    }
}
