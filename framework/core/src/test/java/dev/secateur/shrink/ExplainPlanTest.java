package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.dsl.Dsl;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.model.Architecture;
import dev.secateur.shrink.Shrinker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ExplainPlanTest {

    private static String plan(MultiLayerNetwork net, String... exclude) {
        var spec = ExperimentBuilder.experiment("planned", e -> e
                .model(m -> m.load(Path.of("model.zip").toString()))
                .granularity(Dsl.filters())
                .scope(Map.of("exclude", List.of((Object[]) exclude)), Dsl.layerwise())
                .schedule("one-shot", s -> s.target(0.5)));
        return ExplainPlan.explain(spec, net, Nd4j.rand(DataType.FLOAT, 1, 784));
    }

    @Test
    void vggGroupsCarryTheirBatchNormChannelsAndTheFlattenedRows() {
        String text = plan(Architecture.VGG_SMALL.build(1L, 1e-3));
        assertThat(text)
                .contains("0_W    layer 0 ConvolutionLayer, 16 filters; channels of layer 1 BatchNormalization; inputs of 2_W  -> remove 50%: keep 8 of 16")
                .contains("7_W    layer 7 ConvolutionLayer, 32 filters; channels of layer 8 BatchNormalization; inputs of 10_W (49 rows per unit, through the flatten)")
                .contains("11_W   layer 11 OutputLayer: it is the output layer: its units are the classes")
                .containsPattern("projected after removal: params 218,874 -> [0-9,]+ \\(-[0-9.]+%\\), FLOPs 9,699,210 -> [0-9,]+");
    }

    @Test
    void theResNetPlanShowsTheGroupsThatResidualAddsCouple() {
        var net = Architecture.RESNET_SMALL.network(1L, 1e-3);
        var spec = ExperimentBuilder.experiment("planned", e -> e
                .model(m -> m.train("resnet-small"))
                .granularity(Dsl.filters())
                .scope(Dsl.layerwise())
                .schedule("one-shot", s -> s.target(0.25)));
        String text = ExplainPlan.explain(spec, net, Nd4j.rand(DataType.FLOAT, 1, 784));
        assertThat(text)
                .contains("0_W    layer 0 ConvolutionLayer, 16 filters; shared through residual adds with layer 4 ConvolutionLayer; "
                        + "channels of layer 1 BatchNormalization; channels of layer 5 BatchNormalization; inputs of 2_W; inputs of 7_W; "
                        + "inputs of 11_W  -> remove 25%: keep 12 of 16")
                .contains("9_W    layer 9 ConvolutionLayer, 32 filters; shared through residual adds with layer 11 ConvolutionLayer, "
                        + "layer 16 ConvolutionLayer; channels of layer 10 BatchNormalization; channels of layer 12 BatchNormalization; "
                        + "channels of layer 17 BatchNormalization; inputs of 14_W; inputs of 20_W  -> remove 25%: keep 24 of 32")
                .contains("2_W    layer 2 ConvolutionLayer, 16 filters; channels of layer 3 BatchNormalization; inputs of 4_W")
                .contains("20_W   layer 20 OutputLayer: it is the output layer")
                .doesNotContain("4_W    layer 4");
    }

    @Test
    void anUnsupportedLayerIsNamedAndKeptWholeInsteadOfCrashing() {
        var conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build())
                .layer(new LocalResponseNormalization.Builder().build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.IDENTITY).build())
                .layer(new PReLULayer.Builder().inputShape(32).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        String text = plan(net);
        assertThat(text)
                .contains("0_W    layer 0 ConvolutionLayer: layer 1 (LocalResponseNormalization) lies between it and 2_W, "
                        + "and Secateur does not know how that layer maps channels")
                .contains("3_W    layer 3 DenseLayer: layer 4 (PReLULayer) lies between it and 5_W")
                .contains("layer 4 PReLULayer: Secateur cannot prune this layer type")
                .contains("2_W    layer 2 ConvolutionLayer, 8 filters; inputs of 3_W (400 rows per unit, through the flatten)  -> remove 50%: keep 4 of 8");
        // and the shrinker keeps those layers whole too, rather than building a broken network
        var result = new Shrinker().shrink(net);
        assertThat(result.keptWhole()).anyMatch(note -> note.startsWith("0_W kept whole: layer 1 (LocalResponseNormalization)"));
    }
}
