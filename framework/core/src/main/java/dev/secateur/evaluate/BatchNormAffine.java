package dev.secateur.evaluate;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a batch normalisation layer does at inference, per channel: {@code y = scale · x + shift}, from its running
 * mean and variance, as DL4J 1.0.0-M2.1 computes them. Its activation is left out, because that layer never applies it
 * ({@code SmallBatchForwardTest} shows it).
 */
record BatchNormAffine(float[] scale, float[] shift) {

    static BatchNormAffine of(Layer layer, BatchNormalization conf) {
        int channels = (int) conf.getNOut();
        float[] mean = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).dup().data().asFloat();
        INDArray logStd = conf.isUseLogStd() ? layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD) : null;
        INDArray variance = logStd == null ? layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR) : null;
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            // DL4J keeps log10 of the running deviation and still adds epsilon to its square at inference
            double var = logStd != null ? Math.pow(10, 2 * logStd.getDouble(c)) : variance.getDouble(c);
            float std = (float) Math.sqrt(var + conf.getEps());
            float gamma = conf.isLockGammaBeta() ? (float) conf.getGamma() : layer.getParam(BatchNormalizationParamInitializer.GAMMA).getFloat(c);
            float beta = conf.isLockGammaBeta() ? (float) conf.getBeta() : layer.getParam(BatchNormalizationParamInitializer.BETA).getFloat(c);
            scale[c] = gamma / std;
            shift[c] = beta - mean[c] * scale[c];
        }
        return new BatchNormAffine(scale, shift);
    }
}
