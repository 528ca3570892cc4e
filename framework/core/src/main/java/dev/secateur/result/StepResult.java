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
 */
public record StepResult(int step, double targetSparsity, double sparsity, double accuracy, double loss,
                         long params, long nonzeroParams, long flops, long effectiveFlops, double latencyMs,
                         double finetuneExamplesPerS, SortedMap<ParamRef, Double> layerSparsity,
                         int largeBatch, double largeBatchLatencyMs) {

    public StepResult {
        layerSparsity = Collections.unmodifiableSortedMap(new TreeMap<>(layerSparsity));
    }
}
