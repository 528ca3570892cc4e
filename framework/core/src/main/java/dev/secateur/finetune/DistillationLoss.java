package dev.secateur.finetune;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.RecoverySpec;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Knowledge distillation's loss (Hinton et al. 2015) on a softmax output layer:
 * {@code (1 - w) * hard + w * T^2 * KL(q_T || p_T)}, where {@code hard} is the layer's own loss on the labels,
 * {@code p_T = softmax(z / T)} the student's softened output and {@code q_T} the teacher's, softened the same way.
 * The {@code T^2} keeps the soft gradients' scale independent of the temperature, as Hinton et al. advise.
 *
 * <p>Labels arrive as one array of twice the classes: the one-hot labels, then the teacher's probabilities.
 * The hard part is the layer's original loss function itself, so at weight 0 this loss is exactly that one.
 */
public final class DistillationLoss implements ILossFunction {

    /** Below this a teacher probability is treated as this, so its logarithm stays finite. */
    private static final double SMALLEST_PROBABILITY = 1e-30;

    private final ILossFunction hard;
    private final double temperature;
    private final double weight;

    public DistillationLoss(ILossFunction hard, RecoverySpec.Distillation distillation) {
        this.hard = hard;
        this.temperature = distillation.temperature();
        this.weight = distillation.weight();
    }

    /** The labels this loss reads: the one-hot labels, then the teacher's probabilities. */
    public static INDArray labels(INDArray oneHot, INDArray teacherProbabilities) {
        return Nd4j.hstack(oneHot, teacherProbabilities.castTo(oneHot.dataType()));
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        requireSoftmax(activation);
        long classes = preOutput.size(1);
        var scores = hard.computeScoreArray(oneHot(labels, classes), preOutput, activation, mask).muli(1 - weight);
        if (weight > 0) {
            var softTeacher = teacherLogSoftmax(labels, classes);
            var softStudent = logSoftmax(preOutput.div(temperature));
            // KL(q || p) = sum q (log q - log p), per example
            var kl = Transforms.exp(softTeacher, true).muli(softTeacher.sub(softStudent)).sum(true, 1);
            if (mask != null) {
                kl.muliColumnVector(mask.castTo(kl.dataType()));
            }
            scores.addi(kl.reshape(scores.shape()).muli(weight * temperature * temperature));
        }
        return scores;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
        double sum = computeScoreArray(labels, preOutput, activation, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        requireSoftmax(activation);
        long classes = preOutput.size(1);
        var gradient = hard.computeGradient(oneHot(labels, classes), preOutput, activation, mask).muli(1 - weight);
        if (weight > 0) {
            // d/dz of T^2 KL(q_T || softmax(z / T)) is T (p_T - q_T)
            var teacherSoft = Transforms.exp(teacherLogSoftmax(labels, classes), false);
            var studentSoft = Transforms.exp(logSoftmax(preOutput.div(temperature)), false);
            var soft = studentSoft.subi(teacherSoft).muli(weight * temperature);
            if (mask != null) {
                soft.muliColumnVector(mask.castTo(soft.dataType()));
            }
            gradient.addi(soft);
        }
        return gradient;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask,
                                                          boolean average) {
        return Pair.of(computeScore(labels, preOutput, activation, mask, average), computeGradient(labels, preOutput, activation, mask));
    }

    @Override
    public String name() {
        return "distillation(T=" + temperature + ", w=" + weight + ", " + hard.name() + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    /** log q_T: the teacher's probabilities, softened to temperature T (logits recovered as log-probabilities). */
    private INDArray teacherLogSoftmax(INDArray labels, long classes) {
        var logits = Transforms.log(Transforms.max(teacher(labels, classes), SMALLEST_PROBABILITY, true), false);
        return logSoftmax(logits.divi(temperature));
    }

    private static INDArray oneHot(INDArray labels, long classes) {
        requireWidth(labels, classes);
        return labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, classes)).dup();
    }

    private static INDArray teacher(INDArray labels, long classes) {
        return labels.get(NDArrayIndex.all(),
                NDArrayIndex.interval(classes, 2 * classes)).dup();
    }

    private static void requireWidth(INDArray labels, long classes) {
        if (labels.size(1) != 2 * classes) {
            throw new IllegalArgumentException("distillation labels have " + labels.size(1) + " columns; they must be the "
                    + classes + " one-hot labels followed by the teacher's " + classes + " probabilities");
        }
    }

    private static void requireSoftmax(IActivation activation) {
        if (!(activation instanceof ActivationSoftmax)) {
            throw new BadInputException("distillation matches softened class probabilities, so the output "
                    + "layer needs a softmax activation, not " + activation + "; remove distill from this experiment");
        }
    }

    /** log softmax over each row, computed stably. */
    private static INDArray logSoftmax(INDArray x) {
        var shifted = x.subColumnVector(x.max(true, 1));
        var logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return shifted.subiColumnVector(logSum);
    }
}
