package dev.secateur.score;

import dev.secateur.spi.ParamRef;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The scores one saliency method gave each parameter in scope, with the statistics they came from (a
 * method that compensates, such as OBS, needs them again once the masks are decided).
 *
 * @param saliency the plugin id
 * @param version  the plugin version
 */
public record ScoreSet(SortedMap<ParamRef, INDArray> scores, String saliency, String version, Statistics statistics) {

    public ScoreSet {
        scores = Collections.unmodifiableSortedMap(new TreeMap<>(scores));
    }

    public static ScoreSet of(Map<ParamRef, INDArray> scores, String saliency, String version) {
        return of(scores, saliency, version, Statistics.NONE);
    }

    public static ScoreSet of(Map<ParamRef, INDArray> scores, String saliency, String version, Statistics statistics) {
        return new ScoreSet(new TreeMap<>(scores), saliency, version, statistics);
    }
}
