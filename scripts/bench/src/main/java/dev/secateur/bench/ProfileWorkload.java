package dev.secateur.bench;

import dev.secateur.data.Dataset;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.spec.TrainingSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Locale;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What {@code scripts/bench/run.sh profile} records with Java Flight Recorder: one workload, repeated for a number of
 * seconds after a warm-up, recorded from the end of the warm-up, so that the samples show where the steady state spends
 * its time. The system properties {@code profile.settings} (a .jfc file) and {@code profile.output} say how and where.
 *
 * <p>Arguments: {@code train ARCH BATCH} (training epochs at batch BATCH) or {@code infer ARCH BATCH} (forward passes
 * of BATCH test examples, as the latency probe times them), then the seconds to record. {@code gpt-tiny} works on
 * the text PeerBench gives it, a batch being that many sequences of 128 tokens.
 */
public final class ProfileWorkload {

    public static void main(String[] args) {
        if (args.length != 4 || !(args[0].equals("train") || args[0].equals("infer"))) {
            throw new IllegalArgumentException("usage: train|infer ARCHITECTURE BATCH SECONDS, e.g. train lenet-5 64 20");
        }
        var arch = Architecture.byId(args[1]);
        int batch = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        var tuner = new FineTuner();
        Network net;
        Dataset train;
        Dataset test;
        if (arch == Architecture.GPT_TINY) {
            // gpt-tiny at its default size, on the text PeerBench gives it
            byte[] text = PeerBench.corpus();
            train = PeerBench.windows(text, 0, 320, GptShape.DEFAULT.context());
            test = PeerBench.windows(text, 320, Math.max(batch, 64), GptShape.DEFAULT.context());
            net = GptTiny.network(GptShape.DEFAULT, 1L, 3e-3);
        } else {
            var data = BenchData.full();
            net = arch.network(1L, 1e-3);
            train = data.train().sample(2000, 1L);
            test = data.test();
        }
        tuner.train(net, train.sample(Math.min(500, train.size() / 2), 2L), new TrainingSpec(1, batch, 1e-3), MaskSet.NONE, 1L,
                TrainingProgressListener.NONE);
        INDArray x = test.features().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
        var model = net;
        Runnable work = args[0].equals("train")
                ? () -> tuner.train(model, train, new TrainingSpec(1, batch, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE)
                : () -> Evaluator.latencyMs(model, x, 0, 200);
        work.run(); // warm-up, before the recording starts
        int rounds = 0;
        try (var recording = new Recording(Configuration.create(Path.of(System.getProperty("profile.settings"))))) {
            recording.setDestination(Path.of(System.getProperty("profile.output")));
            recording.start();
            long until = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < until) {
                work.run();
                rounds++;
            }
            recording.stop();
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("could not record: " + e.getMessage(), e);
        }
        System.out.printf(Locale.ROOT, "profile: %s %s batch %d, %d rounds in %d s%n", args[0], arch.id(), batch, rounds, seconds);
    }
}
