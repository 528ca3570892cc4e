package dev.secateur.plugin;

import dev.secateur.errors.PluginFailedException;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * What a plugin must pass before it serves: valid ids and a version, then each saliency method scores a
 * tiny dense parameter with every statistic it may ask for (and compensates, if it says it does), and each
 * schedule plans two steps to 0.5. It runs in milliseconds, so a broken jar is refused when it is dropped
 * in, not in the middle of somebody's run.
 */
final class SmokeTest {

    private static final int IN = 6;
    private static final int OUT = 4;
    private static final int SAMPLES = 8;

    private SmokeTest() {
    }

    /**
     * Starts ND4J on the calling thread before any time limit runs: loading its native backend takes seconds
     * the first time, which a plugin's smoke test must not be charged for.
     */
    static void warmUp() {
        Nd4j.create(DataType.FLOAT, 1).close();
    }

    /** Checks every extension of a file; {@code doing} says which one is being tried, for a timeout's message. */
    static void check(Artifact artifact, AtomicReference<String> doing) {
        if (artifact.extensions.isEmpty()) {
            throw new PluginFailedException(artifact.source + ": no saliency method or schedule found; a jar lists its "
                    + "extensions in META-INF/extensions.idx (written by PF4J's annotation processor for @Extension), and a "
                    + "Groovy source defines a class that implements SaliencyMethod or PruningSchedule");
        }
        if (artifact.version == null || artifact.version.isBlank()) {
            throw new PluginFailedException(artifact.source + ": no version; set Plugin-Version in the jar's manifest");
        }
        for (var extension : artifact.extensions) {
            if (extension.id() == null || !PluginHost.ID.matcher(extension.id()).matches()) {
                throw new PluginFailedException(artifact.source + ": " + extension.kind().label() + " " + extension.type().getName()
                        + " has id '" + extension.id() + "', which is not a valid plugin id; use lowercase letters, digits and dashes, "
                        + "such as 'my-saliency'");
            }
            String who = artifact.source + ": " + extension.kind().label() + " '" + extension.id() + "'";
            doing.set(who + " (its smoke test)");
            try {
                if (extension.kind() == InstalledPlugin.Kind.SALIENCY) {
                    saliency(who, artifact.create(SaliencyMethod.class, extension.id()));
                } else {
                    schedule(who, artifact.create(PruningSchedule.class, extension.id()));
                }
            } catch (PluginFailedException e) {
                throw e;
            } catch (Throwable e) {
                // Errors too: a failed Groovy assert, a stack overflow, a missing class refuse this file alone
                throw new PluginFailedException(who + " failed its smoke test: " + PluginFailedException.describe(e), e);
            }
        }
    }

    private static void saliency(String who, SaliencyMethod method) {
        try {
            method.validate(Options.NONE);
        } catch (IllegalArgumentException e) {
            return; // it needs options to score at all: what it is given is checked when a run starts
        }
        var view = view(method);
        INDArray scores = method.score(view, Options.NONE);
        if (scores == null || !Arrays.equals(scores.shape(), view.shape())) {
            throw new PluginFailedException(who + " returned " + (scores == null ? "null" : "shape " + Arrays.toString(scores.shape()))
                    + " for a " + IN + "x" + OUT + " dense parameter in its smoke test; a score has the parameter's shape");
        }
        if (BooleanIndexing.or(scores, Conditions.isInfinite())) {
            throw new PluginFailedException(who + " returned infinite scores in its smoke test; scores must be finite");
        }
        if (method.compensates()) {
            var keep = Nd4j.ones(DataType.FLOAT, IN, OUT);
            keep.putScalar(0, 0, 0f);
            INDArray updated = method.compensate(view, keep, Options.NONE);
            if (updated == null || !Arrays.equals(updated.shape(), view.shape())) {
                throw new PluginFailedException(who + " compensated with " + (updated == null ? "null" : "shape "
                        + Arrays.toString(updated.shape())) + " in its smoke test; new weights have the parameter's shape");
            }
        }
    }

    private static void schedule(String who, PruningSchedule schedule) {
        List<ScheduleStep> steps;
        try {
            steps = schedule.plan(new ScheduleSpec(0.5, 2, 1, Options.NONE));
        } catch (IllegalArgumentException e) {
            return; // it needs options to plan at all
        }
        if (steps == null || steps.isEmpty() || Math.abs(steps.get(steps.size() - 1).targetSparsity() - 0.5) > 1e-9) {
            throw new PluginFailedException(who + " planned " + steps + " for target 0.5 in its smoke test; the last step must "
                    + "reach the target");
        }
    }

    /** A tiny dense parameter with every statistic a method can declare, shaped as the scorer shapes them. */
    private static ArrayParamView view(SaliencyMethod method) {
        Nd4j.getRandom().setSeed(7);
        var weights = Nd4j.rand(DataType.FLOAT, IN, OUT).subi(0.5);
        var statistics = new EnumMap<Requirement, INDArray>(Requirement.class);
        var inputs = Nd4j.rand(DataType.FLOAT, SAMPLES, IN);
        for (var requirement : method.requirements(Options.NONE)) {
            switch (requirement) {
                case GRADIENTS -> statistics.put(requirement, Nd4j.rand(DataType.FLOAT, IN, OUT).subi(0.5));
                case GRADIENT_SQUARES -> statistics.put(requirement, Nd4j.rand(DataType.FLOAT, IN, OUT));
                case SAMPLE_GRADIENTS -> statistics.put(requirement, Nd4j.rand(DataType.FLOAT, SAMPLES, IN * OUT).subi(0.5));
                case ACTIVATIONS, ACTIVATION_GRADIENTS -> statistics.put(requirement, Nd4j.rand(DataType.FLOAT, SAMPLES, OUT));
                case INPUT_GRAM -> statistics.put(requirement, inputs.transpose().mmul(inputs).divi(SAMPLES)
                        .addi(Nd4j.eye(IN).castTo(DataType.FLOAT).muli(1e-2)));
                default -> {
                    // WEIGHTS are the weights; the loss oracle is a probe, below
                }
            }
        }
        var probe = new LossProbe() {
            @Override
            public double baseLoss() {
                return 1.0;
            }

            @Override
            public double lossWithoutUnit(int unit) {
                return 1.0 + 0.1 * unit;
            }

            @Override
            public double lossWithoutWeight(long index) {
                return 1.0 + 0.01 * index;
            }
        };
        return new ArrayParamView(ParamRef.parse("0_W"), LayerKind.DENSE, weights, Nd4j.onesLike(weights), statistics, 7)
                .with(Granularity.unstructured(), probe);
    }
}
