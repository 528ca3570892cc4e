package dev.secateur.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.Dataset;
import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.spec.TrainingSpec;
import java.util.function.Supplier;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The oneDNN layer helpers: on the default (-onednn) build every convolution, pooling and batch-norm layer
 * gets one, and the networks they run compute what DL4J's own path computes.
 */
class LayerHelpersTest {

    private static Object helper(Layer layer) {
        Class<?> type = layer instanceof ConvolutionLayer ? ConvolutionLayer.class
                : layer instanceof SubsamplingLayer ? SubsamplingLayer.class : BatchNormalization.class;
        try {
            var field = type.getDeclaredField("helper");
            field.setAccessible(true);
            return field.get(layer);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("DL4J's " + type.getSimpleName() + " has no helper field any more", e);
        }
    }

    /** The same network with DL4J's own layer code, as an explicit -D...helpers.disable=true gives. */
    private static Network withoutHelpers(Supplier<Network> build) {
        String before = System.getProperty(NativeBackend.HELPERS_DISABLED);
        System.setProperty(NativeBackend.HELPERS_DISABLED, "true");
        try {
            return build.get();
        } finally {
            System.setProperty(NativeBackend.HELPERS_DISABLED, before == null ? "false" : before);
        }
    }

    private static Dataset images(int n, long seed) {
        return Fixtures.smallData().train().sample(n, seed);
    }

    @Test
    void theDefaultBuildRunsConvolutionsPoolingAndBatchNormOnOneDnn() {
        boolean oneDnnBuild = NativeBackend.variant().contains("onednn");
        assertThat(NativeBackend.layerHelpersActive()).as("helpers on the %s build", NativeBackend.variant()).isEqualTo(oneDnnBuild);
        var vgg = Architecture.VGG_SMALL.network(1L, 1e-3);
        int withHelper = 0;
        int layers = 0;
        for (int i = 0; i < vgg.layerCount(); i++) {
            var layer = vgg.layer(i);
            if (layer instanceof ConvolutionLayer || layer instanceof SubsamplingLayer || layer instanceof BatchNormalization) {
                layers++;
                withHelper += helper(layer) != null ? 1 : 0;
            }
        }
        assertThat(layers).isEqualTo(10);
        assertThat(withHelper).as("layers with a oneDNN helper").isEqualTo(oneDnnBuild ? layers : 0);
        var own = withoutHelpers(() -> Architecture.VGG_SMALL.network(1L, 1e-3));
        assertThat(helper(own.layer(0))).as("an explicit helpers.disable=true keeps DL4J's own path").isNull();
    }

    @Test
    void lenet5ComputesTheSameOutputsAndGradientsOnBothPaths() {
        var fast = Architecture.LENET_5.network(7L, 1e-3);
        var own = withoutHelpers(() -> Architecture.LENET_5.network(7L, 1e-3));
        own.params().assign(fast.params());
        var data = images(32, 3L);
        INDArray a = fast.output(data.features());
        INDArray b = own.output(data.features());
        assertThat(a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue()).as("relative output difference").isLessThan(1e-5);
        var mln = fast.sequential("the test");
        var ownMln = own.sequential("the test");
        mln.setInput(data.features());
        mln.setLabels(data.labels());
        mln.computeGradientAndScore();
        ownMln.setInput(data.features());
        ownMln.setLabels(data.labels());
        ownMln.computeGradientAndScore();
        INDArray ga = mln.gradient().gradient();
        INDArray gb = ownMln.gradient().gradient();
        assertThat(ga.sub(gb).norm2Number().doubleValue() / gb.norm2Number().doubleValue()).as("relative gradient difference").isLessThan(1e-4);
        assertThat(mln.score()).isCloseTo(ownMln.score(), Offset.offset(1e-5));
    }

    @Test
    void trainingOnOneDnnIsRepeatableForAFixedSeed() {
        var data = images(256, 5L);
        var spec = new TrainingSpec(1, 64, 1e-3);
        var first = Architecture.LENET_5.network(11L, 1e-3);
        var second = Architecture.LENET_5.network(11L, 1e-3);
        new FineTuner().train(first, data, spec, MaskSet.NONE, 2L, TrainingProgressListener.NONE);
        new FineTuner().train(second, data, spec, MaskSet.NONE, 2L, TrainingProgressListener.NONE);
        assertThat(first.params().equalsWithEps(second.params(), 0)).as("bit-identical weights after the same training").isTrue();
        assertThat(first.params().equalsWithEps(Architecture.LENET_5.network(11L, 1e-3).params(), 1e-6)).as("training changed the weights").isFalse();
    }
}
