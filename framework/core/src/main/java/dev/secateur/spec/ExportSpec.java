package dev.secateur.spec;

/**
 * What a run writes into {@code RUN/export/} when it completes, beside {@code model-final.zip}; in a script,
 * {@code export onnx: true}.
 *
 * @param onnx whether the final network is also written as ONNX, {@code export/model.onnx}: the physically smaller
 *             network after a structured run, the masked weights as they are after an unstructured or N:M one
 */
public record ExportSpec(boolean onnx) {

    /** Nothing beyond model-final.zip. */
    public static final ExportSpec NONE = new ExportSpec(false);

    public boolean isNone() {
        return !onnx;
    }
}
