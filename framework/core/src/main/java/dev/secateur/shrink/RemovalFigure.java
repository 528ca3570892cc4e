package dev.secateur.shrink;

/**
 * One figure of a physical removal, the masked network's beside the shrunk one's, taken in one sitting: what a
 * run's {@code removal.csv} holds, so that a results table is made from it rather than copied from the log.
 *
 * @param measure what was measured: {@link #PARAMS}, {@link #FLOPS}, {@link #LATENCY_MS}, {@link #LAYER_MS}, {@link #LAYER_FLOPS} or
 *                {@link #ONNXRUNTIME_MS}
 * @param batch   the batch the time was taken at; 0 for counts
 * @param layer   for a layer's time, its index and type ({@code 2 ConvolutionLayer}); empty otherwise
 */
public record RemovalFigure(String measure, int batch, String layer, double masked, double shrunk) {

    public static final String PARAMS = "params";
    /** FLOPs per example. */
    public static final String FLOPS = "flops";
    /** The whole forward pass in DL4J, median of alternating rounds. */
    public static final String LATENCY_MS = "latency_ms";
    /** One layer's forward time in DL4J, timed layer by layer (so the layers add up to more than the pass). */
    public static final String LAYER_MS = "layer_ms";
    /** One layer's FLOPs per example, as the census counts them (0 for a layer without weights). */
    public static final String LAYER_FLOPS = "layer_flops";
    /** The whole forward pass of the ONNX export in onnxruntime, one thread. */
    public static final String ONNXRUNTIME_MS = "onnxruntime_ms";

    /** The fraction removal took off: 1 - shrunk / masked; NaN where there was nothing (a layer without FLOPs). */
    public double cut() {
        return masked == 0 ? Double.NaN : 1 - shrunk / masked;
    }
}
