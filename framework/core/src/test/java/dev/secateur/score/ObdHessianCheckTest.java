package dev.secateur.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.data.Dataset;
import dev.secateur.data.InputShape;
import dev.secateur.model.NetworkLayout;
import dev.secateur.spi.Requirement;
import java.util.EnumSet;
import java.util.Random;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * OBD's h_qq, the diagonal empirical Fisher from the statistics pass, against the Hessian diagonal of the
 * mean loss by central finite differences, on a 4-5-3 tanh/softmax MLP. With labels drawn from the
 * model's own predictive distribution, E[g gᵀ] is the Gauss-Newton matrix and the Hessian's remaining
 * term averages to zero, so the two diagonals agree up to sampling error; 20,000 samples keep that
 * error near 1%.
 *
 * <p>Tolerance: relative L2 error of the whole diagonal (35 weights) below 10%, and Pearson correlation
 * above 0.98. Finite differences use ε = 0.05 on float32 losses (second difference ≈ 2.5e-3·h_qq, far
 * above float rounding of the 20,000-sample mean).
 */
class ObdHessianCheckTest {

    private static final int SAMPLES = 20_000;

    @Test
    void diagonalFisherMatchesFiniteDifferenceHessianDiagonal() {
        var net = tinyMlp();
        var data = labelsFromTheModel(net);
        var params = NetworkLayout.prunable(net);
        var stats = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.GRADIENT_SQUARES), data);
        var batch = new DataSet(data.features(), data.labels());

        int count = 0;
        double[] fisher = new double[35];
        double[] hessian = new double[35];
        double eps = 0.05;
        for (var p : params) {
            INDArray w = net.getLayer(p.weights().layer()).getParam("W");
            INDArray f = stats.of(p.weights()).get(Requirement.GRADIENT_SQUARES);
            for (long i = 0; i < w.rows(); i++) {
                for (long j = 0; j < w.columns(); j++) {
                    double original = w.getDouble(i, j);
                    double centre = loss(net, batch);
                    w.putScalar(i, j, original + eps);
                    double plus = loss(net, batch);
                    w.putScalar(i, j, original - eps);
                    double minus = loss(net, batch);
                    w.putScalar(i, j, original);
                    hessian[count] = (plus - 2 * centre + minus) / (eps * eps);
                    fisher[count] = f.getDouble(i, j);
                    count++;
                }
            }
        }
        assertThat(count).isEqualTo(35);
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < count; k++) {
            diff += (fisher[k] - hessian[k]) * (fisher[k] - hessian[k]);
            norm += hessian[k] * hessian[k];
        }
        assertThat(Math.sqrt(diff / norm)).as("relative L2 error of the diagonal").isLessThan(0.10);
        assertThat(new PearsonsCorrelation().correlation(fisher, hessian))
                .isGreaterThan(0.98);
    }

    private static double loss(MultiLayerNetwork net, DataSet data) {
        return net.scoreExamples(data, false).meanNumber().doubleValue();
    }

    private static MultiLayerNetwork tinyMlp() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        net.getParam("0_W").muli(2.5); // a sharper model makes the curvature less uniform
        return net;
    }

    /** Gaussian inputs, labels sampled from the model's softmax. */
    private static Dataset labelsFromTheModel(MultiLayerNetwork net) {
        var rng = new Random(5);
        float[][] inputs = new float[SAMPLES][4];
        for (float[] row : inputs) {
            for (int j = 0; j < 4; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        INDArray x = Nd4j.create(inputs);
        INDArray p = net.output(x, false);
        float[][] y = new float[SAMPLES][3];
        int[] classes = new int[SAMPLES];
        for (int n = 0; n < SAMPLES; n++) {
            double u = rng.nextDouble();
            int c = 0;
            double cumulative = p.getDouble(n, 0);
            while (u > cumulative && c < 2) {
                c++;
                cumulative += p.getDouble(n, c);
            }
            y[n][c] = 1f;
            classes[n] = c;
        }
        return new Dataset("model-labelled", InputShape.image(1, 1, 4), x, Nd4j.create(y), classes);
    }
}
