package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.result.StepResult;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.SpecJson;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every experiment the repository's scripts declare (the papers', the benchmarks', the end-to-end tests')
 * survives the one spec codec: decoded from its JSON text it encodes to the same bytes and has the same key,
 * so a worker runs, spec.json records and a resume matches exactly what the script declared.
 */
class SpecJsonRoundTripTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scripts that need an argument to declare anything. */
    private static final Map<String, List<String>> ARGS = Map.of(
            "onnx-prune.groovy", List.of(ROOT.resolve("scripts/interop/example/fashion-cnn.onnx").toString()),
            "onnx-round-to.groovy", List.of(ROOT.resolve("scripts/interop/example/fashion-cnn.onnx").toString()),
            "han2015-seed-spread.groovy", List.of("runs/dense/model-final.zip"),
            "li2016-latency.groovy", List.of("runs/dense/model-final.zip"),
            "obs-ablations.groovy", List.of("runs/dense/model-final.zip"),
            "cluster-sensitivity.groovy", List.of("analysis", "runs/dense/model-final.zip"));

    @TestFactory
    Stream<DynamicTest> everyDeclaredExperimentSurvivesTheRoundTrip() throws Exception {
        var scripts = new ArrayList<Path>();
        for (var dir : List.of("scripts", "scripts/bench", "integration-tests/src/test/resources/scripts")) {
            try (var files = Files.list(ROOT.resolve(dir))) {
                files.filter(f -> f.toString().endsWith(".groovy")).sorted().forEach(scripts::add);
            }
        }
        assertThat(scripts).hasSizeGreaterThanOrEqualTo(25);
        return scripts.stream().map(script -> DynamicTest.dynamicTest(ROOT.relativize(script).toString(), () -> {
            var specs = declared(script);
            assertThat(specs).as("experiments declared by %s", script).isNotEmpty();
            for (var spec : specs) {
                var text = SpecJson.encode(spec).toString();
                var back = SpecJson.decode(JSON.readTree(text), "test");
                assertThat(SpecJson.encode(back).toString()).as(spec.name()).isEqualTo(text);
                assertThat(back.key()).as(spec.name()).isEqualTo(spec.key());
                assertThat(back.declaredAt()).isEqualTo(spec.declaredAt());
                assertThat(back.data()).isEqualTo(spec.data());
                assertThat(back.model()).isEqualTo(spec.model());
                assertThat(back.recovery()).isEqualTo(spec.recovery());
                assertThat(back.granularity()).isEqualTo(spec.granularity());
            }
        }));
    }

    @Test
    void nestedOptionsHaveOneFormWhateverMapOrDecimalTheyWereBuiltFrom() {
        var inner = new LinkedHashMap<String, Object>();
        inner.put("b", new BigDecimal("0.50"));
        inner.put("a", List.of(new BigDecimal("1.0"), 2));
        var reversed = new LinkedHashMap<String, Object>();
        reversed.put("a", List.of(1.0, 2));
        reversed.put("b", 0.5);
        var one = ExperimentBuilder.experiment("nested", e -> e.model(m -> m.train("lenet-300-100"))
                .saliency(Map.of("weights", inner), "magnitude").schedule("one-shot", s -> s.target(0.5)));
        var other = ExperimentBuilder.experiment("nested", e -> e.model(m -> m.train("lenet-300-100"))
                .saliency(Map.of("weights", reversed), "magnitude").schedule("one-shot", s -> s.target(0.5)));
        assertThat(SpecJson.encode(one).toString()).isEqualTo(SpecJson.encode(other).toString());
        assertThat(one.key()).isEqualTo(other.key());
    }

    /**
     * The experiments a script declares, recorded instead of run. A script that goes on to read results the
     * recorder cannot give stops there; what it declared up to then is checked.
     */
    private static List<ExperimentSpec> declared(Path script) {
        var specs = new ArrayList<ExperimentSpec>();
        var recording = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                specs.add(spec);
                // one row, so that a script that reads a result goes on to declare its next experiments
                return new RunResult(spec.name(), "recorded", Path.of("recorded"), List.of(new StepResult(0, 0.5, 0.5, 0.8, 0.4,
                        10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 256, 2.0)));
            }

            @Override
            public RunResult runOrResume(ExperimentSpec spec) {
                return run(spec);
            }

            @Override
            public String explain(ExperimentSpec spec) {
                specs.add(spec);
                return "";
            }
        };
        try {
            new ScriptRunner(recording).run(script, ARGS.getOrDefault(script.getFileName().toString(), List.of()));
        } catch (RuntimeException stoppedOnRecordedResults) {
            // the declarations before it are what this test checks
        }
        return specs;
    }
}
