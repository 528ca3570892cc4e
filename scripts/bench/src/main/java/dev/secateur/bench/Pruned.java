package dev.secateur.bench;

import dev.secateur.model.NetworkLayout;
import dev.secateur.model.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The pruned network the benchmarks start from: global magnitude pruning, masks applied. */
final class Pruned {

    private Pruned() {
    }

    static MaskSet byMagnitude(MultiLayerNetwork net, double target) {
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        params.forEach(p -> scores.put(p.weights(), Transforms.abs(net.getParam(p.weights().toString()), true)));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "magnitude", "bench"), MaskSet.NONE, Granularity.unstructured(),
                new Scope.Global(Set.of()), new Pruner.StepTarget(1, target, Map.of()),
                new Provenance("magnitude", "bench", Options.NONE, "one-shot", "bench", 1L));
        var masks = MaskSet.of(plan.masks());
        masks.applyTo(net);
        return masks;
    }
}
