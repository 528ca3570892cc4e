package dev.secateur.spec;

import dev.secateur.spi.ParamRef;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A sensitivity analysis (Li et al. 2016): prune one unit group at a time at each ratio, measure accuracy
 * on a seeded validation sample, and optionally turn the curves into per-layer ratios under a budget.
 *
 * @param ratios  the fractions of units removed, ascending, each in (0, 1)
 * @param samples how many examples the accuracy is measured on; they are drawn from the training split,
 *                so the test split never chooses the ratios
 * @param layers  the groups analysed, by their weights, such as {@code 0_W}; empty means every removable one
 * @param budget  what the per-layer ratios must save, or null to only measure the curves
 * @param recover how many training examples each point retrains on, once, with the group's masks held and the
 *                experiment's fine-tuning settings, before its accuracy is measured (NetAdapt's short-term
 *                fine-tuning): the curves, and so the budget solver, then price what retraining cannot win
 *                back; 0 measures right after pruning
 */
public record SensitivitySpec(List<Double> ratios, int samples, List<ParamRef> layers, Budget budget, int recover) {

    public static final List<Double> DEFAULT_RATIOS = IntStream.rangeClosed(1, 9).mapToObj(i -> i / 10.0).toList();
    public static final int DEFAULT_SAMPLES = 2000;
    public static final SensitivitySpec DEFAULT = new SensitivitySpec(DEFAULT_RATIOS, DEFAULT_SAMPLES, List.of(), null, 0);

    public SensitivitySpec {
        ratios = List.copyOf(ratios);
        layers = List.copyOf(layers);
        if (ratios.isEmpty()) {
            throw new IllegalArgumentException("sensitivity needs at least one ratio, such as ratios 0.1, 0.3, 0.5");
        }
        double previous = 0;
        for (double r : ratios) {
            if (!(r > previous && r < 1)) {
                throw new IllegalArgumentException("sensitivity ratios must rise strictly within (0, 1), got " + ratios);
            }
            previous = r;
        }
        if (samples < 1) {
            throw new IllegalArgumentException("sensitivity samples = " + samples + " must be at least 1");
        }
        checkRecover(recover);
    }

    /** Refuses a negative {@code recover}, for the DSL to say so at its line. */
    public static int checkRecover(int recover) {
        if (recover < 0) {
            throw new IllegalArgumentException("sensitivity recover = " + recover + " must be 0 (measure right after pruning) "
                    + "or the number of training examples each point retrains on, such as recover 2000");
        }
        return recover;
    }

    /** Measured right after pruning. */
    public SensitivitySpec(List<Double> ratios, int samples, List<ParamRef> layers, Budget budget) {
        this(ratios, samples, layers, budget, 0);
    }

    public SensitivitySpec withBudget(Budget budget) {
        return new SensitivitySpec(ratios, samples, layers, budget, recover);
    }

    /**
     * The record's own form, but {@code recover} 0 is left out: an experiment's resume key is built from this text,
     * and runs made before probes could retrain keep theirs.
     */
    @Override
    public String toString() {
        return "SensitivitySpec[ratios=" + ratios + ", samples=" + samples + ", layers=" + layers + ", budget=" + budget
                + (recover == 0 ? "" : ", recover=" + recover) + "]";
    }

    /**
     * What the chosen ratios must save: a fraction of the dense network's FLOPs or parameters.
     *
     * @param cut the fraction to remove, in (0, 1)
     */
    public record Budget(Measure measure, double cut) {
        public Budget {
            if (measure == null) {
                throw new IllegalArgumentException("a budget needs a measure: flops(0.35) or params(0.5)");
            }
            if (!(cut > 0 && cut < 1)) {
                throw new IllegalArgumentException("a budget cuts a fraction in (0, 1) of the " + measure.label + ", got " + cut);
            }
        }

        @Override
        public String toString() {
            return measure.label + " −" + Math.round(cut * 1000) / 10.0 + "%";
        }
    }

    public enum Measure {
        FLOPS("FLOPs"), PARAMS("params"),
        /** Forward time at batch 256, from the time of each group removed alone, measured during the analysis. */
        LATENCY("latency at batch 256");

        public final String label;

        Measure(String label) {
            this.label = label;
        }
    }
}
