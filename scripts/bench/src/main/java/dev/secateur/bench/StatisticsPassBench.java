package dev.secateur.bench;

import dev.secateur.data.Dataset;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.score.Scorer;
import dev.secateur.spi.Options;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The scorer's statistics pass for OBD (gradients and the per-sample diagonal Fisher) against a plain
 * forward and backward pass over the same examples in the same minibatches of 128 (DL4J's
 * computeGradientAndScore, no update), paired, for LeNet-300-100 and LeNet-5. The ratio is the price of
 * per-sample statistics over what any gradient-based criterion must pay anyway.
 */
public final class StatisticsPassBench {

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int examples = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        var data = BenchData.full().train().sample(examples, 3L);
        try (var plugins = PluginHost.start(List.of(Path.of(System.getProperty("secateur.bench.plugins", "scripts/bench/target/plugins"))))) {
            var obd = plugins.saliency("obd");
            var method = new Scorer.Method(obd.extension(), obd.version(), Options.NONE);
            for (var architecture : List.of(Architecture.LENET_300_100, Architecture.LENET_5)) {
                MultiLayerNetwork net = architecture.build(1L, 1e-3);
                var params = NetworkLayout.prunable(net);
                System.out.println(architecture.id() + ", " + examples + " examples:");
                var result = Paired.run(
                        "forward+backward", () -> () -> forwardBackward(net, data),
                        "statistics pass (obd)", () -> () -> new Scorer().gather(Network.of(net), params, List.of(method), data), rounds);
                System.out.println("STATISTICS " + architecture.id() + " " + result.report());
            }
        }
    }

    private static void forwardBackward(MultiLayerNetwork net, Dataset data) {
        for (int from = 0; from < data.size(); from += 128) {
            int to = Math.min(data.size(), from + 128);
            net.setInput(data.features().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
            net.setLabels(data.labels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
            net.computeGradientAndScore();
        }
        net.clear();
    }
}
