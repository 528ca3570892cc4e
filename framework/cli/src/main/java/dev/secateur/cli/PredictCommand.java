package dev.secateur.cli;

import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.Predictor;
import dev.secateur.model.ModelFiles;
import dev.secateur.record.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur predict MODEL --input X.npy}: a model's classes (and probabilities) for the rows of a .npy file. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a model: a finished run's (RUN/model-final.zip), a DL4J zip or an ONNX file, on the rows "
                + "of a float .npy file as the model sees them. Prints one class per line unless --output is given, and the "
                + "time per batch on stderr.")
final class PredictCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "a run directory, a DL4J model zip or an ONNX model")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE.npy",
            description = "float32 or float64, shape [N, features] or [N, C, H, W] in the model's layout, already scaled as the training data were")
    Path input;

    @Option(names = "--output", paramLabel = "FILE.npy", description = "write the classes here (int64, shape [N]) instead of printing them")
    Path output;

    @Option(names = "--probabilities", paramLabel = "FILE.npy", description = "also write the class probabilities (float32, shape [N, classes])")
    Path probabilities;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
            description = "examples per forward pass, as a server would batch requests (default: ${DEFAULT-VALUE})")
    int batch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (batch < 1) {
            throw new BadInputException("--batch " + batch + " must be at least 1");
        }
        Path file = Files.isDirectory(model) ? model.resolve(RunDirectory.MODEL) : model;
        if (Files.isDirectory(model) && !Files.isRegularFile(file)) {
            throw new BadInputException(model + " has no " + RunDirectory.MODEL + ": predict needs a run that finished, "
                    + "or a model file (.zip or .onnx)");
        }
        for (Path out : new Path[]{output, probabilities}) {
            if (out != null && out.getParent() != null && !Files.isDirectory(out.getParent())) {
                throw new BadInputException("cannot write " + out + ": its directory does not exist");
            }
            if (out != null && Files.isDirectory(out)) {
                throw new BadInputException("cannot write " + out + ": it is a directory; give a file name such as " + out.resolve("classes.npy"));
            }
        }
        var net = ModelFiles.load(file);
        var inputs = Predictor.inputs(input, net);
        var predictions = Predictor.predict(net, inputs, batch);
        long[] classes = predictions.classes();
        var console = spec.commandLine().getOut();
        try {
            if (output != null) {
                Nd4j.writeAsNumpy(Nd4j.createFromArray(classes), output.toFile());
            } else {
                for (long c : classes) {
                    console.println(c);
                }
            }
            if (probabilities != null) {
                Nd4j.writeAsNumpy(predictions.probabilities().dup('c'), probabilities.toFile());
            }
        } catch (IOException e) {
            throw new BadInputException("cannot write the predictions (" + e.getMessage() + "); give --output and --probabilities "
                    + "files in a directory you can write to");
        }
        console.flush();
        var err = spec.commandLine().getErr();
        err.println(predictions.summary(batch) + (output == null ? "" : "; classes in " + output)
                + (probabilities == null ? "" : "; probabilities in " + probabilities));
        err.flush();
        return Main.OK;
    }
}
