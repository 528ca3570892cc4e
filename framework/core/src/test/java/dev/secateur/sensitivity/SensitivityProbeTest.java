package dev.secateur.sensitivity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.Dataset;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SensitivityProbeTest {

    @Test
    void aPointPrunesOnlyWhileItMeasuresAndLeavesTheNetworkAsItWas() {
        var net = Architecture.RESNET_SMALL.network(6L, 1e-3);
        var before = net.params().dup();
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(3);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        var validation = Fixtures.smallData().test().sample(100, 1L);
        var probe = new SensitivityProbe(new Pruner());
        var provenance = new Provenance("random", "1", Options.NONE, "one-shot", "1", 1L);
        var dense = probe.probe(net, params.get(0), ScoreSet.of(scores, "random", "1"), new Granularity.Structured(GroupReduction.L1),
                0.0, validation, provenance, false);
        var pruned = probe.probe(net, params.get(0), ScoreSet.of(scores, "random", "1"), new Granularity.Structured(GroupReduction.L1),
                0.9, validation, provenance, true);
        assertThat(net.params()).isEqualTo(before);
        assertThat(dense.latencyRatio()).isNaN();
        assertThat(pruned.latencyRatio()).isPositive();
        // the dense point is the network's own accuracy on the validation sample, counted here from its outputs
        assertThat(dense.accuracy()).isEqualTo(accuracy(net, validation));
        // the pruned point is the accuracy of the network with that group's plan applied, on a copy
        var targets = Map.of(params.get(0).weights(), 0.9);
        var plan = new Pruner().plan(List.of(params.get(0)), ScoreSet.of(scores, "random", "1"), MaskSet.NONE,
                new Granularity.Structured(GroupReduction.L1), new Scope.PerLayer(targets, Set.of()),
                new Pruner.StepTarget(1, 0.9, targets), provenance);
        var copy = Network.of(net.graph().clone());
        MaskSet.of(plan.masks()).applyTo(copy);
        assertThat(copy.params()).isNotEqualTo(before);
        assertThat(pruned.accuracy()).isEqualTo(accuracy(copy, validation));
    }

    private static double accuracy(Network net, Dataset data) {
        long[] predicted = Nd4j.argMax(net.output(data.features()), 1).toLongVector();
        long[] actual = Nd4j.argMax(data.labels(), 1).toLongVector();
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == actual[i] ? 1 : 0;
        }
        return (double) right / predicted.length;
    }
}
