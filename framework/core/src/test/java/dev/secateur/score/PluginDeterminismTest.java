package dev.secateur.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.InstalledPlugin;
import dev.secateur.plugin.PluginHost;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every built-in saliency plugin, loaded from its jar, gives identical scores twice under a fixed seed,
 * each time through a fresh statistics pass, on dense and convolutional layers; OBS also compensates
 * identically. Each run uses its own copy of the network, so nothing carries over.
 */
class PluginDeterminismTest {

    private static final PluginHost plugins = Fixtures.plugins();

    @Test
    void everyPluginIsDeterministicUnderAFixedSeed() {
        var lenet5 = Architecture.LENET_5.build(11L, 1e-3);
        var convs = NetworkLayout.prunable(lenet5).stream().filter(p -> p.weights().layer() <= 2).toList();
        var mlp = Architecture.LENET_300_100.build(12L, 1e-3);
        var hidden = NetworkLayout.prunable(mlp).stream().filter(p -> p.weights().layer() < 2).toList();
        var calibration = Fixtures.smallData().train().sample(64, 13L);
        var cases = Map.of(
                "magnitude", Options.NONE, "random", Options.NONE, "obd", Options.NONE, "wanda", Options.NONE,
                "obs", Options.NONE, "taylor", Options.NONE, "activation", Options.NONE, "oracle", Options.NONE,
                "sparsegpt", Options.NONE);
        assertThat(plugins.installed().stream().filter(p -> p.kind() == InstalledPlugin.Kind.SALIENCY).map(p -> p.id()))
                .containsExactlyInAnyOrderElementsOf(cases.keySet());
        for (var entry : cases.entrySet()) {
            var found = plugins.saliency(entry.getKey());
            var method = new Scorer.Method(found.extension(), found.version(), entry.getValue());
            for (var net : List.of(lenet5, mlp)) {
                var params = net == lenet5 ? convs : hidden;
                var granularity = Granularity.structured(GroupReduction.L1);
                var first = new Scorer().score(net.clone(), params, MaskSet.NONE, method, granularity, 42L, calibration);
                var second = new Scorer().score(net.clone(), params, MaskSet.NONE, method, granularity, 42L, calibration);
                for (var p : params) {
                    assertThat(first.scores().get(p.weights())).as("%s on %s", entry.getKey(), p.weights())
                            .isEqualTo(second.scores().get(p.weights()));
                }
            }
        }
        var obs = plugins.saliency("obs").extension();
        var scored = new Scorer().score(mlp, hidden, MaskSet.NONE, new Scorer.Method(obs, "1", Options.NONE),
                Granularity.unstructured(), 1L, calibration);
        var keep = Nd4j.rand(hidden.get(1).shape()).gt(0.5).castTo(DataType.FLOAT);
        var view = Scorer.view(Network.of(mlp), hidden.get(1), MaskSet.NONE, scored.statistics(), Granularity.unstructured(), 1L);
        assertThat(obs.compensate(view, keep, Options.NONE)).isEqualTo(obs.compensate(view, keep, Options.NONE));
    }
}
