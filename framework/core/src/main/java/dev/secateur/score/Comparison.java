package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitReduction;
import dev.secateur.result.RankCorrelation;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Ranks what each criterion would remove against a reference ranking, per layer, as Molchanov et al.
 * 2016 did against their oracle. All methods share one statistics pass. Scores are compared at the
 * granularity's level: per unit (reduced as the pruner reduces them) or per weight, and only where the
 * reference measured something (a sampled oracle leaves the rest NaN).
 */
public final class Comparison {

    private final Scorer scorer;

    public Comparison(Scorer scorer) {
        this.scorer = scorer;
    }

    /**
     * The correlations, with the scores behind them for plots: per layer, the reference's values and each
     * criterion's values at the same points.
     */
    public record Report(String reference, List<RankCorrelation> rows, Map<ParamRef, Map<String, double[]>> points) {
    }

    public Report compare(Network net, List<PrunableParam> params, List<Scorer.Method> criteria,
                          Scorer.Method reference, Granularity granularity, Dataset calibration, long seed) {
        return compare(net, params, criteria, reference, granularity, calibration, seed, null);
    }

    /** The same, with an oracle's units measured by {@code unitLosses} (cluster workers); null measures here. */
    public Report compare(Network net, List<PrunableParam> params, List<Scorer.Method> criteria, Scorer.Method reference,
                          Granularity granularity, Dataset calibration, long seed, UnitLossSource unitLosses) {
        var all = new ArrayList<>(criteria);
        all.add(reference);
        var statistics = scorer.gather(net, params, all, calibration).withUnitLosses(unitLosses);
        var referenceScores = perPoint(params, granularity,
                scorer.score(net, params, MaskSet.NONE, statistics, reference, granularity, seed, true));
        var rows = new ArrayList<RankCorrelation>();
        var points = new LinkedHashMap<ParamRef, Map<String, double[]>>();
        var measured = new LinkedHashMap<ParamRef, int[]>();
        for (var param : params) {
            double[] ref = referenceScores.get(param.weights());
            measured.put(param.weights(), IntStream.range(0, ref.length).filter(i -> !Double.isNaN(ref[i])).toArray());
            var layerPoints = new LinkedHashMap<String, double[]>();
            layerPoints.put(reference.extension().id(), pick(ref, measured.get(param.weights())));
            points.put(param.weights(), layerPoints);
        }
        for (var criterion : criteria) {
            var scores = perPoint(params, granularity,
                    scorer.score(net, params, MaskSet.NONE, statistics, criterion, granularity, seed, true));
            for (var param : params) {
                var layerPoints = points.get(param.weights());
                double[] ref = layerPoints.get(reference.extension().id());
                double[] mine = pick(scores.get(param.weights()), measured.get(param.weights()));
                layerPoints.put(criterion.extension().id(), mine);
                rows.add(RankCorrelation.of(criterion.extension().id(), param.weights(), ref, mine));
            }
        }
        return new Report(reference.extension().id(), rows, points);
    }

    private static Map<ParamRef, double[]> perPoint(List<PrunableParam> params, Granularity granularity, ScoreSet set) {
        var out = new LinkedHashMap<ParamRef, double[]>();
        for (var param : params) {
            var scores = set.scores().get(param.weights());
            out.put(param.weights(), granularity instanceof Granularity.Structured structured
                    ? UnitReduction.perUnit(param, scores, structured.reduction())
                    : scores.castTo(DataType.DOUBLE).dup('c').reshape(scores.length()).toDoubleVector());
        }
        return out;
    }

    private static double[] pick(double[] values, int[] at) {
        double[] out = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            out[i] = values[at[i]];
        }
        return out;
    }
}
