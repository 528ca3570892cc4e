package dev.secateur.result;

import dev.secateur.spi.ParamRef;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One row of results.csv: the state of the network after a schedule step. Step 0 is the dense model.
 * NaN means "not measured at this step" and is written as an empty cell.
 *
 * @param targetSparsity         what the step aimed at over the parameters in scope
 * @param sparsity               the fraction of the dense network's prunable weights that are zero or were
 *                               removed physically, counted in the network
 * @param accuracy               test accuracy, a fraction
 * @param loss                   mean test cross-entropy
 * @param latencyMs              median forward-pass time
 * @param finetuneExamplesPerS   fine-tuning throughput of this step (for step 0, of baseline training)
 * @param largeBatch             examples per pass of the large-batch latency, 0 when not measured
 * @param largeBatchLatencyMs    median forward-pass time at {@code largeBatch}
 * @param layerSparsity          per weight tensor, the same fraction of its dense size
 * @param controlAccuracy        test accuracy of the dense control trained on the same examples up to this
 *                               step, NaN for a run without {@code control true}
 * @param evalExamplesPerS       examples per second of the accuracy pass over the evaluation set (in the evaluator's batches, sized to memory),
 *                               NaN when not measured; kept in checkpoints and shown by the console, not in results.csv
 * @param perplexity             a language model's exp(mean next-token cross-entropy) on the test text; NaN for a classifier
 * @param controlPerplexity      the same of the dense control, NaN without a control or for a classifier
 */
public record StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                         long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                         double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                         int largeBatch, double largeBatchLatencyMs, double controlAccuracy, double evalExamplesPerS,
                         double perplexity, double controlPerplexity) {

    public StepResult {
        layerSparsity = Collections.unmodifiableSortedMap(new TreeMap<>(layerSparsity));
    }

    /** A row without a control's perplexity. */
    public StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                      long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                      double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                      int largeBatch, double largeBatchLatencyMs, double controlAccuracy, double evalExamplesPerS,
                      double perplexity) {
        this(step, targetSparsity, sparsity, accuracy, loss, params, nonzeroParams, flops, effectiveFlops, latencyMs,
                finetuneExamplesPerS, layerSparsity, largeBatch, largeBatchLatencyMs, controlAccuracy, evalExamplesPerS,
                perplexity, Double.NaN);
    }

    /** A row of a classifier, which has no perplexity. */
    public StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                      long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                      double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                      int largeBatch, double largeBatchLatencyMs, double controlAccuracy, double evalExamplesPerS) {
        this(step, targetSparsity, sparsity, accuracy, loss, params, nonzeroParams, flops, effectiveFlops, latencyMs,
                finetuneExamplesPerS, layerSparsity, largeBatch, largeBatchLatencyMs, controlAccuracy, evalExamplesPerS, Double.NaN);
    }

    /** A row without a control. */
    public StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                      long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                      double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                      int largeBatch, double largeBatchLatencyMs) {
        this(step, targetSparsity, sparsity, accuracy, loss, params, nonzeroParams, flops, effectiveFlops, latencyMs,
                finetuneExamplesPerS, layerSparsity, largeBatch, largeBatchLatencyMs, Double.NaN);
    }

    /** A row whose evaluation throughput was not measured. */
    public StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                      long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                      double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                      int largeBatch, double largeBatchLatencyMs, double controlAccuracy) {
        this(step, targetSparsity, sparsity, accuracy, loss, params, nonzeroParams, flops, effectiveFlops, latencyMs,
                finetuneExamplesPerS, layerSparsity, largeBatch, largeBatchLatencyMs, controlAccuracy, Double.NaN);
    }

    /** The same row, judged against a control of this accuracy. */
    public StepResult withControl(double accuracy) {
        return withControl(accuracy, Double.NaN);
    }

    /** The same row, judged against a control of this accuracy and (a language model's) perplexity. */
    public StepResult withControl(double accuracy, double perplexity) {
        return new StepResult(step, targetSparsity, sparsity, this.accuracy, loss, params, nonzeroParams, flops, effectiveFlops,
                latencyMs, finetuneExamplesPerS, layerSparsity, largeBatch, largeBatchLatencyMs, accuracy, evalExamplesPerS,
                this.perplexity, perplexity);
    }

    /** Perplexity minus the control's (lower is better, so a positive difference is worse); NaN without both. */
    public double perplexityVsControl() {
        return perplexity - controlPerplexity;
    }

    /** Accuracy minus the control's, as a fraction (-0.0049 is 0.49 points below); NaN without a control. */
    public double accuracyVsControl() {
        return accuracy - controlAccuracy;
    }
}
