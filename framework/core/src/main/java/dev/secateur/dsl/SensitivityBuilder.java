package dev.secateur.dsl;

import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code sensitivity { ... }} block: {@code ratios 0.1, 0.3, 0.5} (default 0.1 to 0.9 by 0.1),
 * {@code samples 2000} (validation examples from the training split), {@code layer '0_W'} (repeatable;
 * default every group that can be removed) and {@code recover 2000} (training examples each point retrains on
 * before it is measured; default 0, measured right after pruning).
 */
public final class SensitivityBuilder {

    private List<Double> ratios = SensitivitySpec.DEFAULT_RATIOS;
    private int samples = SensitivitySpec.DEFAULT_SAMPLES;
    private final List<ParamRef> layers = new ArrayList<>();
    private int recover;

    public SensitivityBuilder ratios(Object... values) {
        var parsed = new ArrayList<Double>();
        for (Object value : values) {
            if (value instanceof List<?> list) {
                list.forEach(v -> parsed.add(NamedArgs.number("sensitivity", "ratios", v)));
            } else {
                parsed.add(NamedArgs.number("sensitivity", "ratios", value));
            }
        }
        this.ratios = parsed;
        return this;
    }

    public SensitivityBuilder samples(Object n) {
        this.samples = NamedArgs.integer("sensitivity", "samples", n);
        return this;
    }

    public SensitivityBuilder recover(Object n) {
        int examples = NamedArgs.integer("sensitivity", "recover", n);
        this.recover = NamedArgs.checked("sensitivity", () -> SensitivitySpec.checkRecover(examples));
        return this;
    }

    public SensitivityBuilder layer(String... refs) {
        for (String ref : refs) {
            layers.add(Dsl.param(ref));
        }
        return this;
    }

    /** The settings of an earlier analysis, for an experiment derived from another. */
    static SensitivityBuilder from(SensitivitySpec spec) {
        var builder = new SensitivityBuilder();
        builder.ratios = spec.ratios();
        builder.samples = spec.samples();
        builder.layers.addAll(spec.layers());
        builder.recover = spec.recover();
        return builder;
    }

    SensitivitySpec build(SensitivitySpec.Budget budget) {
        return NamedArgs.checked("sensitivity", () -> new SensitivitySpec(ratios, samples, layers, budget, recover));
    }
}
