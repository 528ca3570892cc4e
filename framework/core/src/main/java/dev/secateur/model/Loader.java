package dev.secateur.model;

import dev.secateur.data.DataSplits;
import dev.secateur.data.DatasetLoader;
import dev.secateur.data.InputShape;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.onnx.OnnxWriter;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Loads the data and builds or loads the model of an experiment, and checks that they fit together. */
public final class Loader {

    static {
        NativeBackend.enableLayerHelpers(); // before any network of this class is built
    }

    private final DatasetLoader datasets;

    public Loader(DatasetLoader datasets) {
        this.datasets = datasets;
    }

    /** A network, its prunable parameters and the data it will see. */
    public record Loaded(Network network, DataSplits data, List<PrunableParam> params) {
    }

    public Loaded load(ModelSpec model, DataSpec data, long seed) {
        var splits = datasets.load(data, seed);
        Network net;
        String origin;
        if (model instanceof ModelSpec.Train train) {
            var sizing = new Architecture.Sizing(splits.train().shape(), splits.test().classCount(), train.hidden(), train.sizes());
            net = Architecture.byId(train.architecture()).network(seed, train.training().learningRate(), sizing);
            origin = "built-in " + train.architecture();
        } else {
            var file = ((ModelSpec.Load) model).file();
            net = ModelFiles.load(file);
            origin = "model " + file;
            checkFinite(net, origin);
        }
        checkFits(net, splits, origin);
        var params = NetworkLayout.prunable(net);
        if (params.isEmpty()) {
            throw new BadInputException(origin + " has no layer Secateur can prune (DenseLayer, OutputLayer or "
                    + "2-D ConvolutionLayer); there is nothing to do");
        }
        return new Loaded(net, splits, params);
    }

    /**
     * The network's input against the data's examples, before anything runs: an image network must read images of
     * the data's shape, a dense one rows of as many values.
     */
    private static void checkInputShape(Network net, DataSplits data, String origin) {
        var examples = data.test().shape();
        long[] model = net.inputShape();
        long[] dims = examples.dims();
        boolean fits = model.length == 3 ? Arrays.equals(model, dims) : model[0] == examples.size();
        if (!fits) {
            throw new BadInputException(origin + " takes inputs of shape " + shape(model) + " but the data's "
                    + (examples instanceof InputShape.Image ? "images are " : "examples are ")
                    + shape(dims) + " (" + examples.size() + " values each); give data of the model's input shape (images: "
                    + "size: [H, W] and channels: resize and convert them), or a model made for this data");
        }
    }

    private static String shape(long[] dims) {
        var text = new StringBuilder("[N");
        for (long d : dims) {
            text.append(", ").append(d);
        }
        return text.append(']').toString();
    }

    /** Refuses a network {@code export onnx: true} could not write, before the run starts rather than at its end. */
    public static void checkExportable(Network net) {
        try {
            OnnxWriter.write(net);
        } catch (BadInputException e) {
            throw new BadInputException("export onnx: true, but " + e.getMessage(), e);
        }
    }

    /** A model whose training diverged loads fine and then fails far from the cause; refuse it here, naming the parameter. */
    static void checkFinite(Network net, String origin) {
        for (var entry : new TreeMap<>(net.paramTable()).entrySet()) {
            var values = entry.getValue();
            long nan = values.scan(Conditions.isNan()).longValue();
            long infinite = values.scan(Conditions.isInfinite()).longValue();
            if (nan + infinite > 0) {
                throw new BadInputException(origin + " has " + (nan > 0 ? nan + " NaN" : "") + (nan > 0 && infinite > 0 ? " and " : "")
                        + (infinite > 0 ? infinite + " infinite" : "") + " value(s) among the " + values.length() + " of parameter "
                        + entry.getKey() + "; its training diverged or the file was damaged, so export it again from a good checkpoint");
            }
        }
    }

    private static void checkFits(Network net, DataSplits data, String origin) {
        checkInputShape(net, data, origin);
        var one = data.test().features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
        long outputs;
        try {
            outputs = net.output(one).columns();
        } catch (RuntimeException e) {
            throw new BadInputException(origin + " does not accept the data's inputs (" + data.test().shape().describe()
                    + ", as rows of " + one.columns() + " values): " + e.getMessage());
        }
        if (outputs != data.test().classCount()) {
            throw new BadInputException(origin + " has " + outputs + " outputs but the data has "
                    + data.test().classCount() + " classes; give data with as many classes as the model has outputs, "
                    + "or a model made for this data");
        }
    }
}
