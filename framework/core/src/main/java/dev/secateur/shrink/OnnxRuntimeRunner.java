package dev.secateur.shrink;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import dev.secateur.errors.BadInputException;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One ONNX model in an onnxruntime session, as a deployment would run it: one intra-op and one inter-op
 * thread, sequential execution, every graph optimisation, the CPU execution provider. It is the independent
 * judge of ONNX import and export (outputs compared with Secateur's) and what {@link OnnxRuntimeLatency}
 * times.
 *
 * <p>onnxruntime is an optional dependency of the core: touch this class only after
 * {@link OnnxRuntimeLatency#available()} said yes, because loading it needs the jar.
 */
public final class OnnxRuntimeRunner implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final TensorInfo input;
    private final String outputName;

    private OnnxRuntimeRunner(OrtEnvironment env, OrtSession session) throws OrtException {
        this.env = env;
        this.session = session;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new BadInputException("the ONNX model has " + inputs.size() + " inputs " + inputs.keySet()
                    + "; Secateur feeds one input tensor, so export the model with a single input");
        }
        var first = inputs.entrySet().iterator().next();
        this.inputName = first.getKey();
        if (!(first.getValue().getInfo() instanceof TensorInfo tensor)
                || (tensor.type != OnnxJavaType.FLOAT && tensor.type != OnnxJavaType.DOUBLE)) {
            throw new BadInputException("the ONNX model's input '" + inputName + "' is " + first.getValue().getInfo()
                    + "; Secateur feeds a float or double tensor");
        }
        this.input = tensor;
        this.outputName = session.getOutputNames().iterator().next();
    }

    /**
     * Opens a session on an ONNX model with one thread.
     *
     * @throws BadInputException if onnxruntime cannot load the bytes as a model
     */
    public static OnnxRuntimeRunner open(byte[] model) {
        var env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        try (var options = oneThread()) {
            var session = env.createSession(model, options);
            try {
                return new OnnxRuntimeRunner(env, session);
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new BadInputException("onnxruntime cannot load the model (" + model.length + " bytes): " + e.getMessage()
                    + "; give an ONNX model file that this onnxruntime can run", e);
        }
    }

    /** Runs {@code model} once on {@code input} and returns its first output. */
    public static INDArray run(byte[] model, INDArray input) {
        try (var runner = open(model)) {
            return runner.run(input);
        }
    }

    private static SessionOptions oneThread() throws OrtException {
        var options = new SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** onnxruntime's version, such as {@code 1.22.0}. */
    public static String version() {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR).getVersion();
    }

    /** The execution provider sessions run on (no other is requested), and those this build offers. */
    public static String provider() {
        return "CPUExecutionProvider (available: " + OrtEnvironment.getAvailableProviders() + ")";
    }

    public String inputName() {
        return inputName;
    }

    public String outputName() {
        return outputName;
    }

    /** The input's shape as the model declares it, -1 for a dimension it leaves open (the batch, usually). */
    public long[] inputShape() {
        return input.getShape();
    }

    /**
     * The input shape of one example: the declared shape without its first (batch) dimension.
     *
     * @throws BadInputException if the model leaves another dimension open, so no input size can be chosen for it
     */
    public long[] exampleShape() {
        long[] shape = inputShape();
        long[] example = Arrays.copyOfRange(shape, Math.min(1, shape.length), shape.length);
        if (shape.length < 2 || Arrays.stream(example).anyMatch(d -> d < 1)) {
            throw new BadInputException("the ONNX model's input '" + inputName + "' is " + Arrays.toString(shape) + " (-1: any size); "
                    + "Secateur needs a batch dimension first and fixed sizes after it, such as [N, 1, 28, 28] or [N, 784]");
        }
        return example;
    }

    /** The model's first output on {@code x}, whose shape must be one the model's input accepts. */
    public INDArray run(INDArray x) {
        return runAll(x).get(outputName);
    }

    /** Every output of the model on {@code x}, by name, in the graph's order. */
    public Map<String, INDArray> runAll(INDArray x) {
        try (var tensor = tensor(x); var result = session.run(Map.of(inputName, tensor))) {
            var outputs = new LinkedHashMap<String, INDArray>();
            for (var entry : result) {
                outputs.put(entry.getKey(), array(entry.getKey(), entry.getValue()));
            }
            return outputs;
        } catch (OrtException e) {
            throw new BadInputException("onnxruntime cannot run the model on an input of shape " + Arrays.toString(x.shape())
                    + "; its input '" + inputName + "' is " + Arrays.toString(inputShape()) + " (-1: any size): " + e.getMessage(), e);
        }
    }

    /** A prepared pass on a fixed input, for timing: the input tensor is made once and the outputs are dropped. */
    public final class Pass implements Runnable, AutoCloseable {

        private final OnnxTensor tensor;
        private final Map<String, OnnxTensor> feed;

        private Pass(INDArray x) throws OrtException {
            this.tensor = tensor(x);
            this.feed = Map.of(inputName, tensor);
        }

        @Override
        public void run() {
            try (var ignored = session.run(feed)) {
                // only the time counts
            } catch (OrtException e) {
                throw new IllegalStateException("onnxruntime failed on a pass it ran before: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            tensor.close();
        }
    }

    /** A pass on {@code x} to time; close it when done. */
    public Pass pass(INDArray x) {
        try {
            return new Pass(x);
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime cannot hold an input of shape " + Arrays.toString(x.shape()) + ": "
                    + e.getMessage(), e);
        }
    }

    private OnnxTensor tensor(INDArray x) throws OrtException {
        long[] shape = x.shape();
        INDArray flat = x.dup('c').reshape(x.length());
        if (input.type == OnnxJavaType.DOUBLE) {
            return OnnxTensor.createTensor(env, DoubleBuffer.wrap(flat.castTo(DataType.DOUBLE).toDoubleVector()), shape);
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(flat.castTo(DataType.FLOAT).toFloatVector()), shape);
    }

    private static INDArray array(String name, OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            throw new BadInputException("the ONNX model's output '" + name + "' is " + value.getInfo()
                    + ", not a tensor; Secateur reads tensor outputs");
        }
        long[] shape = tensor.getInfo().getShape();
        var type = tensor.getInfo().type;
        if (type == OnnxJavaType.FLOAT) {
            FloatBuffer buffer = tensor.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
        }
        if (type == OnnxJavaType.DOUBLE) {
            DoubleBuffer buffer = tensor.getDoubleBuffer();
            double[] values = new double[buffer.remaining()];
            buffer.get(values);
            return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
        }
        throw new BadInputException("the ONNX model's output '" + name + "' holds " + type + "; Secateur reads float or double outputs");
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime could not close a session: " + e.getMessage(), e);
        }
    }
}
