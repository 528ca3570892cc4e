package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.prune.RandomFilterMasks;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.shrink.Shrinker;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.HashMap;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An imported graph is prunable like a built-in one: batch norm after a convolution goes with its filters,
 * residual adds tie their convolutions into one group, a depthwise convolution's channels follow its input,
 * and a flatten before a dense layer maps channels to its input rows. Masked, then physically removed, it
 * computes the same function.
 */
class ImportedGraphPruningTest {


    @Test
    void theResNetsGroupsJoinTheResidualConvolutionsAndTakeTheirBatchNormsAlong() {
        var groups = NetworkLayout.groups(OnnxImporter.load(OnnxImporterTest.fixture("resnet.onnx")));
        var stem = groups.stream().filter(g -> g.id().equals("0_W")).findFirst().orElseThrow();
        // layers: 0 conv, 1 bn, 2 relu, 3 conv, 4 bn, 5 relu, 6 conv, 7 bn, then the add of 7 and 2
        assertThat(stem.producers()).extracting(p -> p.weights().toString()).containsExactly("0_W", "6_W");
        assertThat(stem.coupled()).extracting(ParamRef::toString).contains("1_gamma", "1_beta", "7_gamma", "7_beta");
        assertThat(stem.removable()).isTrue();
        assertThat(groups.stream().filter(UnitGroup::removable).count()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void theMobileNetsDepthwiseConvolutionsFollowTheChannelsOfTheExpansionBeforeThem() {
        var net = OnnxImporter.load(OnnxImporterTest.fixture("mobilenet.onnx"));
        var groups = NetworkLayout.groups(net);
        var depthwise = new ArrayList<Integer>();
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).conf().getLayer() instanceof DepthwiseConvolution2D) {
                depthwise.add(i);
            }
        }
        assertThat(depthwise).hasSize(2);
        for (int layer : depthwise) {
            var owner = groups.stream().filter(g -> g.coupled().contains(new ParamRef(layer, UnitGroup.CHANNEL_FILTERS))).toList();
            assertThat(owner).as("the group whose channels depthwise layer %d filters", layer).hasSize(1);
            assertThat(owner.get(0).removable()).as(owner.get(0).keptWhole()).isTrue();
        }
    }

    @Test
    void theResNetShrunkAfterStructuredPruningComputesWhatTheMaskedOneComputes() {
        prunedAndShrunkComputeTheSame("resnet.onnx");
    }

    @Test
    void theMobileNetShrunkAfterStructuredPruningComputesWhatTheMaskedOneComputes() {
        prunedAndShrunkComputeTheSame("mobilenet.onnx");
    }

    @Test
    void theMobileNetsDepthwiseFlopsAreCountedAndTheProjectionMatchesTheCensusOfTheShrunkNetwork() {
        var masked = OnnxImporter.load(OnnxImporterTest.fixture("mobilenet.onnx"));
        var example = Nd4j.rand(DataType.FLOAT, 1, masked.inputSize());
        var projection = ShrinkProjection.of(masked, example);
        long denseFlops = new Evaluator().census(masked, example).flops();
        long prunableFlops = 0;
        var outputs = masked.layerOutputs(example);
        for (var param : NetworkLayout.prunable(masked)) {
            prunableFlops += param.flops(param.positions(outputs.get(param.weights().layer()).shape()));
        }
        assertThat(denseFlops).as("depthwise convolutions count").isGreaterThan(prunableFlops);
        assertThat(projection.dense().flops()).isEqualTo(denseFlops);

        var result = prunedAndShrunkComputeTheSame("mobilenet.onnx");
        var kept = new HashMap<String, Long>();
        for (var group : projection.groups()) {
            kept.put(group.id(), (long) result.kept().get(group.ref()).length);
        }
        assertThat(projection.project(kept).flops()).isEqualTo(new Evaluator().census(result.net(), example).flops());
    }

    @Test
    void lenet5ShrinksThroughItsFlattenBeforeTheDenseLayers() {
        var result = prunedAndShrunkComputeTheSame("lenet5.onnx");
        // 16 filters -> 12, and the first dense layer reads 12·5·5 rows
        assertThat(result.net().getParam("2_W").shape()[0]).isEqualTo(12);
        assertThat(result.net().getParam("4_W").shape()[0]).isEqualTo(12 * 25);
    }

    private static Shrinker.Result prunedAndShrunkComputeTheSame(String fixture) {
        var net = OnnxImporter.load(OnnxImporterTest.fixture(fixture));
        RandomFilterMasks.apply(net, 0.25, 9);
        var result = new Shrinker().shrink(net);
        assertThat(result.net().numParams()).isLessThan(net.numParams());
        Nd4j.getRandom().setSeed(4);
        var x = Nd4j.rand(DataType.FLOAT, 16, net.inputSize());
        double diff = Transforms.abs(net.output(x).sub(result.net().output(x)), false).maxNumber().doubleValue();
        assertThat(diff).as("max abs difference of the outputs").isLessThanOrEqualTo(1e-5);
        return result;
    }
}
