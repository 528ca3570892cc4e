package dev.secateur.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SPI's values check what plugin authors and users give them, with messages that say what to do. */
class SpiValuesTest {

    @Test
    void paramRefsUseDl4jNamesAndSortByLayer() {
        assertThat(ParamRef.parse("12_W")).isEqualTo(new ParamRef(12, "W"));
        assertThat(ParamRef.parse("2_W").bias()).hasToString("2_b");
        assertThat(ParamRef.parse("2_W")).isLessThan(ParamRef.parse("10_W"));
        assertThatThrownBy(() -> ParamRef.parse("W2"))
                .hasMessage("parameter 'W2' is not of the form <layer>_<key>, for example '0_W' or '2_b'");
    }

    @Test
    void optionsCheckTheirValues() {
        var options = Options.of(Map.of("norm", "L2", "steps", 3, "rate", "x"));
        assertThat(options.choice("norm", "l1", "l1", "l2")).isEqualTo("l2");
        assertThat(options.integer("steps", 1)).isEqualTo(3);
        assertThat(options.number("missing", 0.5)).isEqualTo(0.5);
        assertThatThrownBy(() -> options.number("rate", 1)).hasMessage("option 'rate' = 'x' is not a number");
        assertThatThrownBy(() -> Options.of(Map.of("steps", 2.5)).integer("steps", 1))
                .hasMessage("option 'steps' = 2.5 is not a whole number");
        // a value outside the choices keeps both, as given, for the framework's suggestion
        assertThatThrownBy(() -> Options.of(Map.of("norm", "LMAP")).choice("norm", "l1", "l1", "l2", "lamp"))
                .isInstanceOfSatisfying(Options.NotAChoice.class, e -> {
                    assertThat(e.value()).isEqualTo("LMAP");
                    assertThat(e.allowed()).containsExactly("l1", "l2", "lamp");
                })
                .hasMessage("option 'norm' = 'LMAP' is not one of l1, l2, lamp");
        // a default outside the choices is the plugin's mistake, not the user's
        assertThatThrownBy(() -> Options.NONE.choice("norm", "l3", "l1", "l2"))
                .isInstanceOf(IllegalStateException.class).hasMessage("the default of option 'norm', 'l3', is not one of l1, l2");
    }

    @Test
    void sparsityMustBeInTheHalfOpenUnitInterval() {
        assertThat(ScheduleSpec.requireSparsity("target", 0.0)).isZero();
        for (double bad : new double[]{-0.01, 1.0, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> new ScheduleSpec(bad, 1, 0, Options.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is outside [0, 1)");
        }
        assertThatThrownBy(() -> new ScheduleStep(0, 0.5, 1)).hasMessageContaining("step index must be >= 1");
    }

    @Test
    void perLayerScopesNeedTargetsInRange() {
        var scope = new Scope.PerLayer(Map.of(ParamRef.parse("1_W"), 0.5, ParamRef.parse("0_W"), 0.9), Set.of());
        assertThat(scope.targets().keySet()).containsExactly(ParamRef.parse("0_W"), ParamRef.parse("1_W"));
        assertThatThrownBy(() -> new Scope.PerLayer(Map.of(), Set.of())).hasMessageContaining("at least one target");
        assertThatThrownBy(() -> new Scope.PerLayer(Map.of(ParamRef.parse("0_W"), 1.0), Set.of()))
                .hasMessageContaining("per-layer 0_W sparsity 1.0 is outside [0, 1)");
    }

    @Test
    void granularityIdsNameTheirReduction() {
        assertThat(Granularity.unstructured().id()).isEqualTo("unstructured");
        assertThat(Granularity.structured(GroupReduction.L2).id()).isEqualTo("structured-l2");
        assertThat(LayerKind.CONVOLUTION.outputAxis()).isZero();
        assertThat(LayerKind.DENSE.outputAxis()).isOne();
    }
}
