package dev.secateur.model;

import dev.secateur.data.InputShape;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The built-in networks. Each takes its input shape and class count from the data; on 28×28 grey images and 10
 * classes they are the networks of Han et al. 2015 and the papers after it, layer for layer.
 */
public enum Architecture {

    /** LeNet-300-100: two hidden dense layers, 266,610 parameters on 28×28 images. Layers 0, 1, 2. */
    LENET_300_100("lenet-300-100") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            return MLP.configure(layers, sizing.withHidden(List.of(300, 100)));
        }
    },

    /**
     * LeNet-5 as in Caffe and Han et al.: conv 5×5×20, max-pool, conv 5×5×50, max-pool, dense 500, output;
     * 431,080 parameters on 28×28 grey images. Prunable layers 0, 2, 4, 5. Images smaller than 16×16 (such as
     * 8×8 digits) have no room for two unpadded 5×5 convolutions and two pools, so there the convolutions are
     * padded to keep their input's size.
     */
    LENET_5("lenet-5") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            var image = sizing.image(this, 4);
            boolean padded = Math.min(image.height(), image.width()) < 16;
            return layers
                    .layer(lenetConv(20, padded))
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(lenetConv(50, padded))
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                    .layer(output(sizing))
                    .setInputType(InputType.convolutionalFlat(image.height(), image.width(), image.channels()))
                    .build();
        }
    },

    /**
     * A small VGG-style network (28×28 inputs as published here; any image of at least 4×4): two blocks of two 3×3 convolutions (16, then 32 filters),
     * each followed by batch normalisation, and a 2×2 max-pool; then dense 128 and the output. The batch normalisation
     * layers are declared with ReLU, which DL4J 1.0.0-M2.1's batch normalisation never applies (SmallBatchForwardTest
     * shows it), so the convolutions are linear up to each max-pool.
     * Prunable layers 0, 2, 5, 7 (convolutions), 10 and 11 (dense); batch normalisation at 1, 3, 6, 8.
     */
    VGG_SMALL("vgg-small") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            var image = sizing.image(this, 4);
            return layers
                    .layer(conv(16)).layer(batchNorm())
                    .layer(conv(16)).layer(batchNorm())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(conv(32)).layer(batchNorm())
                    .layer(conv(32)).layer(batchNorm())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                    .layer(output(sizing))
                    .setInputType(InputType.convolutionalFlat(image.height(), image.width(), image.channels()))
                    .build();
        }
    },

    /**
     * A small ResNet (28×28 inputs as published here; any image size), a {@code ComputationGraph}: a 3×3 stem of 16 filters at stride 2
     * (14×14); a residual block of 16 (identity shortcut); a block of 32 that halves the resolution again
     * (7×7, 1×1 projection shortcut); a block of 32 (identity shortcut); global average pooling and the
     * output. 38,890 parameters and about 5 MFLOPs per example, close to LeNet-5's 4.6. Every convolution is followed by batch
     * normalisation; ReLU comes after each residual add (the ReLU declared on the batch normalisation inside each block,
     * and on the stem's, is never applied by DL4J 1.0.0-M2.1, as for {@link #VGG_SMALL}). Layers are named by their index, so parameter
     * {@code 4_W} is layer 4's weights. The adds join layers 0 and 4 (16 channels) and layers 9, 11 and 16
     * (32 channels) into shared unit groups.
     */
    RESNET_SMALL("resnet-small") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            throw new UnsupportedOperationException("resnet-small is a ComputationGraph; use network(seed, learningRate)");
        }

        @Override
        public Network network(long seed, double learningRate, Sizing sizing) {
            var image = sizing.image(this, 1);
            var g = base(seed, learningRate).graphBuilder().addInputs("input")
                    .setInputTypes(InputType.convolutionalFlat(image.height(), image.width(), image.channels()));
            g.addLayer("0", conv(16, 3, 2), "input").addLayer("1", batchNorm(), "0");
            // block 1: 16 -> 16, identity shortcut
            g.addLayer("2", conv(16, 3, 1), "1").addLayer("3", batchNorm(), "2")
                    .addLayer("4", conv(16, 3, 1), "3").addLayer("5", batchNormLinear(), "4")
                    .addVertex("add1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "5", "1")
                    .addLayer("6", relu(), "add1");
            // block 2: 16 -> 32 at stride 2, 1×1 projection shortcut
            g.addLayer("7", conv(32, 3, 2), "6").addLayer("8", batchNorm(), "7")
                    .addLayer("9", conv(32, 3, 1), "8").addLayer("10", batchNormLinear(), "9")
                    .addLayer("11", conv(32, 1, 2), "6").addLayer("12", batchNormLinear(), "11")
                    .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "10", "12")
                    .addLayer("13", relu(), "add2");
            // block 3: 32 -> 32, identity shortcut
            g.addLayer("14", conv(32, 3, 1), "13").addLayer("15", batchNorm(), "14")
                    .addLayer("16", conv(32, 3, 1), "15").addLayer("17", batchNormLinear(), "16")
                    .addVertex("add3", new ElementWiseVertex(ElementWiseVertex.Op.Add), "17", "13")
                    .addLayer("18", relu(), "add3");
            g.addLayer("19", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "18")
                    .addLayer("20", output(sizing), "19")
                    .setOutputs("20");
            var graph = new ComputationGraph(g.build());
            graph.init();
            return Network.of(graph);
        }
    },

    /**
     * {@code gpt-tiny}, a decoder-only transformer language model for text ({@link GptTiny}): its context and
     * vocabulary come from the data, its size from {@code layers}, {@code dModel}, {@code heads} and {@code mlp}
     * ({@link GptShape#DEFAULT} otherwise).
     */
    GPT_TINY(ModelSpec.Train.GPT_TINY) {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            throw new UnsupportedOperationException("gpt-tiny is a ComputationGraph; use network(seed, learningRate)");
        }

        @Override
        public Network network(long seed, double learningRate, Sizing sizing) {
            if (!(sizing.input() instanceof InputShape.Tokens tokens)) {
                throw new BadInputException("model train 'gpt-tiny' is a language model for text, but the data's examples are "
                        + sizing.input().describe() + "; give it text, such as data text('corpus.txt', context: 128)");
            }
            var d = GptShape.DEFAULT;
            var sizes = sizing.sizes();
            var shape = new GptShape(sizes.getOrDefault("layers", d.layers()), sizes.getOrDefault("dModel", d.dModel()),
                    sizes.getOrDefault("heads", d.heads()), sizes.getOrDefault("mlp", d.mlp()), tokens.context(), tokens.vocabulary());
            return GptTiny.network(shape, seed, learningRate);
        }
    },

    /**
     * A multi-layer perceptron for tables (or flattened images): dense ReLU layers of the {@code hidden:} widths,
     * 300 and 100 unless declared, and the output. Layers 0, 1, … in order.
     */
    MLP("mlp") {
        @Override
        MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing) {
            for (int width : sizing.hidden().isEmpty() ? List.of(300, 100) : sizing.hidden()) {
                layers.layer(new DenseLayer.Builder().nOut(width).activation(Activation.RELU).build());
            }
            return layers.layer(output(sizing))
                    .setInputType(InputType.feedForward(sizing.input().size()))
                    .build();
        }
    };

    static {
        NativeBackend.enableLayerHelpers(); // before any network of this class is built
    }

    private static ConvolutionLayer conv(int filters, int kernel, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(filters).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build();
    }

    /** A 5×5 convolution, unpadded as published unless the image is too small for that. */
    private static ConvolutionLayer lenetConv(int filters, boolean padded) {
        var conv = new ConvolutionLayer.Builder(5, 5).nOut(filters).activation(Activation.IDENTITY);
        return (padded ? conv.convolutionMode(ConvolutionMode.Same) : conv).build();
    }

    private static BatchNormalization batchNormLinear() {
        return new BatchNormalization.Builder().activation(Activation.IDENTITY).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    private static NeuralNetConfiguration.Builder base(long seed, double learningRate) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(learningRate));
    }

    private static ConvolutionLayer conv(int filters) {
        return conv(filters, 3, 1);
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

    abstract MultiLayerConfiguration configure(NeuralNetConfiguration.ListBuilder layers, Sizing sizing);

    /**
     * What a built-in network is sized from: the data's example shape and class count, and {@code mlp}'s hidden widths.
     *
     * @param hidden empty for the architecture's own
     */
    public record Sizing(InputShape input, int classes, List<Integer> hidden, Map<String, Integer> sizes) {

        /** Fashion-MNIST's: 28×28 grey images, 10 classes. */
        public static final Sizing FASHION_MNIST = new Sizing(InputShape.image(1, 28, 28), 10, List.of());

        public Sizing(InputShape input, int classes, List<Integer> hidden) {
            this(input, classes, hidden, Map.of());
        }

        public Sizing {
            hidden = List.copyOf(hidden);
            sizes = Map.copyOf(sizes);
            if (classes < 2) {
                throw new BadInputException("a classifier needs at least 2 classes, but the data has " + classes);
            }
        }

        Sizing withHidden(List<Integer> widths) {
            return new Sizing(input, classes, widths, sizes);
        }

        /** The input as an image, refusing a table or an image too small for the network's pools. */
        InputShape.Image image(Architecture architecture, int smallest) {
            if (!(input instanceof InputShape.Image image)) {
                throw new BadInputException("model train '" + architecture.id() + "' is a convolutional network for images, but the "
                        + "data's examples are rows of " + input.describe() + "; train 'mlp' (with hidden: [..]) on a table");
            }
            if (Math.min(image.height(), image.width()) < smallest) {
                throw new BadInputException("model train '" + architecture.id() + "' needs images of at least " + smallest + "×"
                        + smallest + " for its pooling, but the data's are " + image.describe() + "; resize them (images: size: [H, W]) "
                        + "or train 'mlp'");
            }
            return image;
        }
    }

    /** A freshly initialised sequential network for Fashion-MNIST, with Adam at the given learning rate. */
    public MultiLayerNetwork build(long seed, double learningRate) {
        return build(seed, learningRate, Sizing.FASHION_MNIST);
    }

    /** A freshly initialised sequential network sized for the data, with Adam at the given learning rate. */
    public MultiLayerNetwork build(long seed, double learningRate, Sizing sizing) {
        var net = new MultiLayerNetwork(configure(base(seed, learningRate).list(), sizing));
        net.init();
        return net;
    }

    /** A freshly initialised network of either kind for Fashion-MNIST, with Adam at the given learning rate. */
    public Network network(long seed, double learningRate) {
        return network(seed, learningRate, Sizing.FASHION_MNIST);
    }

    /** A freshly initialised network of either kind sized for the data, with Adam at the given learning rate. */
    public Network network(long seed, double learningRate, Sizing sizing) {
        return Network.of(build(seed, learningRate, sizing));
    }

    public static Architecture byId(String id) {
        return Arrays.stream(values()).filter(a -> a.id.equals(id)).findFirst()
                .orElseThrow(() -> new BadInputException("unknown architecture '" + id + "'; built in: "
                        + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", "))
                        + ", or load a trained DL4J zip with model { load 'path/to/model.zip' }"));
    }

    private static OutputLayer output(Sizing sizing) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(sizing.classes()).activation(Activation.SOFTMAX).build();
    }
}
