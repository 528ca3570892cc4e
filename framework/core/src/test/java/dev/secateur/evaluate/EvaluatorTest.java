package dev.secateur.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.Fixtures;
import dev.secateur.data.InputShape;
import dev.secateur.model.Architecture;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spi.ParamRef;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class EvaluatorTest {

    private final Evaluator evaluator = new Evaluator();
    private final EvaluateSpec spec = new EvaluateSpec(true, 1, 2, 5);

    @Test
    void lenet300FlopsAndParamsAreCountedFromTheLayers() {
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        var census = evaluator.census(net, Fixtures.smallData().test());
        assertThat(census.params()).isEqualTo(266_610);
        assertThat(census.weights()).isEqualTo(784 * 300 + 300 * 100 + 100 * 10);
        // 2 per multiply-accumulate plus one add per bias
        assertThat(census.flops()).isEqualTo(2L * (784 * 300 + 300 * 100 + 100 * 10) + 300 + 100 + 10);
    }

    @Test
    void lenet5FlopsIncludeEveryOutputPositionOfTheConvolutions() {
        var net = Architecture.LENET_5.build(1L, 1e-3);
        var census = evaluator.census(net, Fixtures.smallData().test());
        assertThat(census.params()).isEqualTo(431_080);
        long conv1 = 2L * 20 * 25 * 24 * 24 + 20 * 24 * 24;
        long conv2 = 2L * 50 * 20 * 25 * 8 * 8 + 50 * 8 * 8;
        long dense = 2L * 800 * 500 + 500;
        long output = 2L * 500 * 10 + 10;
        assertThat(census.flops()).isEqualTo(conv1 + conv2 + dense + output);
    }

    @Test
    void zerosAreCountedInTheNetworkAndShrinkEffectiveFlops() {
        var net = Architecture.LENET_5.build(1L, 1e-3);
        for (String bias : new String[]{"0_b", "2_b", "4_b", "5_b"}) {
            net.getParam(bias).assign(0.1); // a fresh network has zero biases; make them live
        }
        net.getParam("2_W").get(NDArrayIndex.interval(0, 10)).assign(0); // 10 of 50 filters
        net.getParam("2_b").assign(0);
        var census = evaluator.census(net, Fixtures.smallData().test());
        assertThat(census.layerSparsity().get(ParamRef.weights(2))).isEqualTo(0.2);
        assertThat(census.layerSparsity().get(ParamRef.weights(0))).isZero();
        assertThat(census.zeroWeights()).isEqualTo(10 * 20 * 25);
        long conv2Dense = 2L * 50 * 20 * 25 * 64 + 50 * 64;
        long conv2Effective = 2L * 40 * 20 * 25 * 64; // no live bias
        assertThat(census.flops() - census.effectiveFlops()).isEqualTo(conv2Dense - conv2Effective);
        assertThat(census.nonzeroParams()).isEqualTo(431_080 - 10 * 20 * 25 - 50);
    }

    @Test
    void accuracyAndLossAgreeWithDl4j() {
        var net = Architecture.LENET_300_100.build(2L, 1e-3);
        var data = Fixtures.smallData();
        net.fit(data.train().head(2000));
        var report = evaluator.evaluate(net, data.test(), spec, true);
        Evaluation reference = net.evaluate(new ListDataSetIterator<>(
                data.test().head(500).asList(), 100));
        assertThat(report.accuracy()).isCloseTo(reference.accuracy(), within(1e-9));
        assertThat(report.loss()).isCloseTo(net.score(data.test().head(500)), within(1e-4));
        assertThat(report.examples()).isEqualTo(500);
        assertThat(report.latencyMs()).isPositive();
        assertThat(report.examplesPerS()).as("the accuracy pass's throughput").isPositive();
        assertThat(report.toStep(1, 0.5, 100.0).evalExamplesPerS()).isEqualTo(report.examplesPerS());
        // the second measurement at 256 examples per pass (the default); no timing is compared, the machine is shared
        assertThat(report.largeBatch()).isEqualTo(256);
        assertThat(report.largeLatencyMs()).isPositive();
        var capped = evaluator.evaluate(net, data.test(),
                new EvaluateSpec(true, 1, 1, 3, 10_000), true);
        assertThat(capped.largeBatch()).as("never more than the test set").isEqualTo(500);
    }

    @Test
    void networksGoThroughDl4jInBatchesWhoseLargestLayerOutputStaysUnderTheBoundWithTheSameResults() {
        var test = Fixtures.smallData().test();
        var one = test.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
        // vgg-small's first convolution: 16 channels of 28x28 floats, 50,176 bytes an image
        assertThat(Evaluator.evaluationBatch(Architecture.VGG_SMALL.network(1L, 1e-3), one)).isEqualTo((int) (Evaluator.BATCH_BYTES / 50_176));
        // a perceptron's largest output, 300 floats, leaves the batch at 1,000
        assertThat(Evaluator.evaluationBatch(Architecture.LENET_300_100.network(1L, 1e-3), one)).isEqualTo(1000);
        // 224x224 colour images: 16 x 224 x 224 floats an image, so a batch of 1,000 would write 3.2 GB at that layer
        var large = Architecture.VGG_SMALL.network(1L, 1e-3, new Architecture.Sizing(InputShape.image(3, 224, 224), 10, List.of()));
        assertThat(Evaluator.evaluationBatch(large, Nd4j.rand(DataType.FLOAT, 1, 3 * 224 * 224)))
                .isEqualTo((int) (Evaluator.BATCH_BYTES / (16L * 224 * 224 * 4)));

        // LeNet-5's batches of 91 (five of 91 and one of 45 of the 500 images) give what one batch of all 500 gives
        var lenet5 = Architecture.LENET_5.network(3L, 1e-3);
        assertThat(Evaluator.evaluationBatch(lenet5, one)).isLessThan(test.size()).isEqualTo(Evaluator.evaluationBatch(lenet5, test));
        assertThat(Evaluator.dl4jBatch(lenet5, test)).as("the batch quality hands DL4J").isEqualTo(Evaluator.evaluationBatch(lenet5, test));
        var sized = Evaluator.quality(lenet5, test);
        var whole = Evaluator.quality(lenet5, test, 1000);
        assertThat(sized.accuracy()).isEqualTo(whole.accuracy());
        assertThat(sized.loss()).isCloseTo(whole.loss(), within(1e-6));
        assertThatThrownBy(() -> Evaluator.quality(lenet5, test, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 example, not 0");
    }

    @Test
    void censusOnlyLeavesAccuracyUnmeasured() {
        var report = evaluator.evaluate(Architecture.LENET_300_100.build(2L, 1e-3), Fixtures.smallData().test(), spec, false);
        assertThat(report.accuracy()).isNaN();
        assertThat(report.latencyMs()).isNaN();
        assertThat(report.largeLatencyMs()).isNaN();
        assertThat(report.examplesPerS()).isNaN();
        assertThat(report.census().params()).isEqualTo(266_610);
    }
}
