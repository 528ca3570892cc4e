package dev.secateur.model;

import dev.secateur.errors.BadInputException;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The built-in networks, sized for 28×28 grey images and 10 classes, as in Han et al. 2015. */
public enum Architecture {

    /** LeNet-300-100: two hidden dense layers, 266,610 parameters. Layers 0, 1, 2. */
    LENET_300_100("lenet-300-100") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers) {
            return layers
                    .layer(new DenseLayer.Builder().nOut(300).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                    .layer(output())
                    .setInputType(InputType.feedForward(28 * 28))
                    .build();
        }
    },

    /**
     * LeNet-5 as in Caffe and Han et al.: conv 5×5×20, max-pool, conv 5×5×50, max-pool, dense 500, output;
     * 431,080 parameters. Prunable layers 0, 2, 4, 5.
     */
    LENET_5("lenet-5") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers) {
            return layers
                    .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.IDENTITY).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.IDENTITY).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                    .layer(output())
                    .setInputType(InputType.convolutionalFlat(28, 28, 1))
                    .build();
        }
    },

    /**
     * A small VGG-style network for 28×28 inputs: two blocks of two 3×3 convolutions (16, then 32 filters),
     * each followed by batch normalisation with ReLU, and a 2×2 max-pool; then dense 128 and the output.
     * Prunable layers 0, 2, 5, 7 (convolutions), 10 and 11 (dense); batch normalisation at 1, 3, 6, 8.
     */
    VGG_SMALL("vgg-small") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers) {
            return layers
                    .layer(conv(16)).layer(batchNorm())
                    .layer(conv(16)).layer(batchNorm())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(conv(32)).layer(batchNorm())
                    .layer(conv(32)).layer(batchNorm())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                    .layer(output())
                    .setInputType(InputType.convolutionalFlat(28, 28, 1))
                    .build();
        }
    };

    private static ConvolutionLayer conv(int filters) {
        return new ConvolutionLayer.Builder(3, 3).nOut(filters).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder().activation(Activation.RELU).build();
    }

    private final String id;

    Architecture(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    abstract MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers);

    /** A freshly initialised network, with Adam at the given learning rate. */
    public MultiLayerNetwork build(long seed, double learningRate) {
        var layers = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(learningRate))
                .list();
        var net = new MultiLayerNetwork(configure(layers));
        net.init();
        return net;
    }

    public static Architecture byId(String id) {
        return Arrays.stream(values()).filter(a -> a.id.equals(id)).findFirst()
                .orElseThrow(() -> new BadInputException("unknown architecture '" + id + "'; built in: "
                        + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", "))
                        + ", or load a trained DL4J zip with model { load 'path/to/model.zip' }"));
    }

    private static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(10).activation(Activation.SOFTMAX).build();
    }
}
