package dev.secateur.evaluate;

import dev.secateur.result.StepResult;

/**
 * One evaluation of a network.
 *
 * @param accuracy     fraction of test examples classified right, NaN when not measured at this step
 * @param loss         mean cross-entropy over the test examples, NaN when not measured
 * @param examples     test examples used
 * @param latencyMs    median wall time of one forward pass of {@code latencyBatch} examples, NaN when not measured
 * @param latencyBatch examples per timed pass
 * @param largeLatencyMs the same at {@code largeBatch} examples, NaN when not measured
 * @param largeBatch   examples per pass of the second measurement, 0 when there is none
 * @param examplesPerS examples per second of the accuracy pass (in the evaluator's batches, sized to memory), NaN when not measured
 */
public record EvaluationReport(double accuracy, double loss, int examples, ModelCensus census,
                               double latencyMs, int latencyBatch, double largeLatencyMs, int largeBatch,
                               double examplesPerS, double perplexity) {

    /** The evaluation of a classifier, which has no perplexity. */
    public EvaluationReport(double accuracy, double loss, int examples, ModelCensus census, double latencyMs, int latencyBatch,
                            double largeLatencyMs, int largeBatch, double examplesPerS) {
        this(accuracy, loss, examples, census, latencyMs, latencyBatch, largeLatencyMs, largeBatch, examplesPerS, Double.NaN);
    }

    /**
     * The row this evaluation gives results.csv after a step.
     *
     * @param targetSparsity what the step aimed at
     * @param trainingExamplesPerS the step's training throughput, NaN when nothing was trained
     */
    public StepResult toStep(int step, double targetSparsity, double trainingExamplesPerS) {
        return new StepResult(step, targetSparsity, census.sparsity(), accuracy, loss, census.params(), census.nonzeroParams(),
                census.flops(), census.effectiveFlops(), latencyMs, trainingExamplesPerS, census.layerSparsity(), largeBatch,
                largeLatencyMs, Double.NaN, examplesPerS, perplexity);
    }
}
