package dev.secateur.prune;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.score.ScoreSet;
import dev.secateur.score.Scorer;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.PruningPlan;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.Scope;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decides what to remove and applies it. It turns scores, a granularity, a scope and a target into a
 * {@link PruningPlan} (the masks), and only then changes the network. Masks only grow: a weight pruned
 * at one step stays pruned at every later step.
 */
public final class Pruner {

    /**
     * What one step aims at.
     *
     * @param target   the fraction of the units in scope to remove (weights, or whole neurons and filters)
     * @param perParam per-parameter targets under a per-layer scope; empty otherwise
     */
    public record StepTarget(int step, double target, Map<ParamRef, Double> perParam) {
        public StepTarget {
            perParam = Map.copyOf(perParam);
        }
    }

    /**
     * The parameters a scope covers, in layer order. Structured granularity leaves output layers out,
     * since their units are the classes. Names the scope mentions must exist in the model.
     */
    public static List<PrunableParam> inScope(List<PrunableParam> params, Granularity granularity, Scope scope) {
        var known = params.stream().map(PrunableParam::weights).toList();
        var mentioned = new ArrayList<>(scope.excluded());
        if (scope instanceof Scope.PerLayer perLayer) {
            mentioned.addAll(perLayer.targets().keySet());
        }
        for (var ref : mentioned) {
            if (!known.contains(ref)) {
                throw new BadInputException("scope names " + ref + ", which is not a prunable parameter of this model; "
                        + "its prunable parameters are " + known.stream().map(ParamRef::toString).collect(Collectors.joining(", ")));
            }
        }
        if (granularity instanceof Granularity.Structured && scope instanceof Scope.PerLayer perLayer) {
            for (var p : params) {
                if (p.follows() && perLayer.targets().containsKey(p.weights())) {
                    throw new BadInputException("scope names " + p.weights() + ", whose " + (p.unitWidth() > 1
                            ? "attention heads are the heads of " + p.leader() + " (the query of the same attention)"
                            : "filters are shared with " + p.leader() + " through a residual add")
                            + "; set the target on " + p.leader() + ", which prunes them together");
                }
            }
        }
        var selected = params.stream()
                .filter(p -> !scope.excluded().contains(p.weights()))
                // a follower's units are decided with its leader's
                .filter(p -> !(granularity instanceof Granularity.Structured) || !p.follows())
                .filter(p -> !(scope instanceof Scope.PerLayer perLayer) || perLayer.targets().containsKey(p.weights()))
                .filter(p -> !(granularity instanceof Granularity.Structured) || p.kind() != LayerKind.OUTPUT)
                .toList();
        if (granularity instanceof Granularity.SemiStructured nm) {
            selected.forEach(p -> RowSelector.checkTiles(p, nm));
        }
        if (rowWise(granularity) && scope instanceof Scope.Global) {
            throw new BadInputException(granularity.id() + " compares weights only within each output row, so it needs "
                    + "scope layerwise() or perLayer(...), not global()");
        }
        if (selected.isEmpty()) {
            throw new BadInputException("the scope leaves nothing to prune: of " + known
                    + (granularity instanceof Granularity.Structured ? " (output layers are never pruned structurally)" : "")
                    + " all are excluded; exclude fewer parameters");
        }
        return selected;
    }

    public PruningPlan plan(List<PrunableParam> params, ScoreSet scores, MaskSet current,
                            Granularity granularity, Scope scope, StepTarget target, Provenance provenance) {
        var inScope = inScope(params, granularity, scope);
        if (rowWise(granularity)) {
            return rowWisePlan(inScope, scores, current, granularity, scope, target, provenance);
        }
        var units = new ArrayList<UnitScores>(inScope.size());
        boolean measuredByGroup = scores.statistics() != null && Scorer.scoresWholeGroups(scores.statistics().requested());
        for (var param : inScope) {
            var score = scores.scores().get(param.weights());
            if (score == null) {
                throw new IllegalStateException("no scores for " + param.weights());
            }
            var mask = current.of(param.weights()).orElse(null);
            var followerScores = new ArrayList<INDArray>();
            for (var follower : measuredByGroup ? List.<PrunableParam>of() : param.followers()) {
                var f = scores.scores().get(follower.weights());
                if (f == null && granularity instanceof Granularity.Structured) {
                    throw new IllegalStateException("no scores for " + follower.weights() + ", which follows " + param.weights());
                }
                followerScores.add(f);
            }
            units.add(granularity instanceof Granularity.Structured structured
                    ? UnitScores.structured(param, score, mask, structured.reduction(), scope instanceof Scope.Global, followerScores)
                    : UnitScores.unstructured(param, score, mask));
        }
        var selections = new ArrayList<Selection>(units.size());
        if (scope instanceof Scope.Global && granularity instanceof Granularity.Structured s && s.roundTo() > 1) {
            throw new BadInputException("round_to rounds each layer's kept units, so it needs scope "
                    + "layerwise(), perLayer(...) or fromSensitivity(...), not global()");
        }
        if (scope instanceof Scope.Global) {
            long total = units.stream().mapToLong(UnitScores::count).sum();
            long already = units.stream().mapToLong(UnitScores::alreadyPruned).sum();
            long m = Math.max(Math.round(target.target() * total), already);
            var sources = units.stream().map(UnitScores::source).toList();
            var cut = ThresholdSelector.select(sources, m);
            long[] quotas = ThresholdSelector.tieQuotas(sources, cut);
            for (long quota : quotas) {
                selections.add(new Selection(cut, quota));
            }
        } else {
            for (var u : units) {
                double t = scope instanceof Scope.PerLayer ? target.perParam().get(u.param().weights()) : target.target();
                long m = Math.round(t * u.count());
                if (granularity instanceof Granularity.Structured structured) {
                    m = structured.rounded(u.count(), m, u.param().unitWidth());
                }
                m = Math.max(m, u.alreadyPruned());
                var cut = ThresholdSelector.select(List.of(u.source()), m);
                selections.add(new Selection(cut, ThresholdSelector.tieQuotas(List.of(u.source()), cut)[0]));
            }
        }
        // each parameter's masks are independent now that ties are shared out, so build them in parallel
        var built = IntStream.range(0, units.size()).parallel()
                .mapToObj(i -> units.get(i).masks(selections.get(i), target.step())).toList();
        var masks = new TreeMap<>(current.masks());
        built.forEach(masks::putAll);
        return PruningPlan.of(target.step(), target.target(), scope, granularity, masks, provenance);
    }

    /** Whether scores are compared only within each output row: N:M, or unstructured per output. */
    static boolean rowWise(Granularity granularity) {
        return granularity instanceof Granularity.SemiStructured
                || granularity instanceof Granularity.Unstructured u && u.perOutput();
    }

    private PruningPlan rowWisePlan(List<PrunableParam> inScope, ScoreSet scores, MaskSet current, Granularity granularity,
                                    Scope scope, StepTarget target, Provenance provenance) {
        var masks = new TreeMap<>(current.masks());
        double overall = target.target();
        for (var param : inScope) {
            var score = scores.scores().get(param.weights());
            if (score == null) {
                throw new IllegalStateException("no scores for " + param.weights());
            }
            double t = scope instanceof Scope.PerLayer ? target.perParam().get(param.weights()) : target.target();
            long rowLength = param.size() / param.channels();
            masks.put(param.weights(), RowSelector.mask(param, score, current.of(param.weights()).orElse(null),
                    granularity, Math.round(t * rowLength)));
        }
        if (granularity instanceof Granularity.SemiStructured nm) {
            overall = nm.sparsity();
        }
        return PruningPlan.of(target.step(), overall, scope, granularity, masks, provenance);
    }

    /**
     * Lets a compensating method (OBS) move the weights that stay, before the masks are applied: for each
     * scored parameter it shows the method the live weights with the previous mask and the new keep mask,
     * and writes the weights it returns.
     */
    public void compensate(Network net, ScoreSet scores, MaskSet previous, MaskSet next,
                           SaliencyMethod method, Options options, Granularity granularity, long seed) {
        for (var param : NetworkLayout.prunable(net)) {
            if (!scores.scores().containsKey(param.weights())) {
                continue;
            }
            var keep = next.of(param.weights()).orElseThrow();
            var view = Scorer.view(net, param, previous, scores.statistics(), granularity, seed);
            INDArray updated;
            try {
                updated = method.compensate(view, keep, options);
            } catch (Throwable e) {
                // an Error too (a failed assert, a stack overflow): it fails this step with the plugin's name
                throw new PluginFailedException("saliency '" + method.id() + "' failed to compensate " + param.weights() + ": "
                        + PluginFailedException.describe(e), e);
            }
            if (updated == null || !Arrays.equals(updated.shape(), param.shape())
                    || !Double.isFinite(updated.mul(keep).sumNumber().doubleValue())) {
                throw new PluginFailedException("saliency '" + method.id() + "' returned "
                        + (updated == null ? "null" : "shape " + Arrays.toString(updated.shape()) + " or non-finite weights")
                        + " when compensating " + param.weights() + ", expected finite weights of shape " + Arrays.toString(param.shape()));
            }
            view.weights().assign(updated);
        }
    }

    /** Applies masks to the network, in place. */
    public void apply(MultiLayerNetwork net, MaskSet masks) {
        apply(Network.of(net), masks);
    }

    public void apply(Network net, MaskSet masks) {
        masks.applyTo(net);
    }

    /**
     * A cut applied to one source: prune every entry below the cut key and the first {@code takeAtKey}
     * entries equal to it.
     */
    record Selection(ThresholdSelector.Cut cut, long takeAtKey) {

        /** Writes 1 (keep) or 0 (prune), as float bits, for every entry of {@code source} into {@code out}. */
        void fill(ThresholdSelector.Source source, IntBuffer out) {
            ThresholdSelector.fill(source, cut, takeAtKey, out);
        }
    }


}
