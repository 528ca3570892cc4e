package dev.secateur.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every layering rule fails on the deliberately bad classes under {@code fixture.secateur}, which are laid
 * out like Secateur's packages, and its report names the class that broke it. A rule that passed these
 * would be a rule that checks nothing.
 */
class RulesCatchViolationsTest {

    private static JavaClasses bad;
    private static final Layering RULES = new Layering("fixture.secateur");

    @BeforeAll
    static void importBadClasses() {
        bad = new ClassFileImporter().importPackages("fixture.secateur");
    }

    private static String violations(Function<Layering, ArchRule> rule) {
        var result = rule.apply(RULES).evaluate(bad);
        assertThat(result.hasViolation()).as("the rule reports the bad classes").isTrue();
        return result.getFailureReport().toString();
    }

    @Test
    void anSpiTypeThatExposesACoreClass() {
        assertThat(violations(Layering::spiDependsOnNothingOfOurs)).contains("LeakySpi").contains("fixture.secateur.model.Network");
    }

    @Test
    void aPluginThatReachesIntoTheCore() {
        assertThat(violations(Layering::pluginsSeeOnlyTheSpiNd4jAndPf4j)).contains("GreedyPlugin");
    }

    @Test
    void aPlainClassThatImportsVertx() {
        assertThat(violations(Layering::plainClassesNeverImportVertx)).contains("fixture.secateur.score.Scorer").contains("io.vertx.core.Vertx");
    }

    @Test
    void aPlainClassThatKnowsTheBus() {
        assertThat(violations(Layering::plainClassesKnowNothingOfTheBus)).contains("fixture.secateur.bus.Message");
    }

    @Test
    void coreThatReachesTheCli() {
        assertThat(violations(Layering::coreNeverImportsTheCli)).contains("fixture.secateur.model.Network").contains("Main");
    }

    @Test
    void aDslThatBuildsAModelThroughAFullyQualifiedName() {
        assertThat(violations(Layering::dslReachesStagesOnlyThroughTheBus)).contains("fixture.secateur.dsl.Script")
                .contains("fixture.secateur.model.Network");
    }

    @Test
    void aCoordinatorThatHoldsTensorsAndANetwork() {
        assertThat(violations(Layering::coordinatorHoldsNoNetwork)).contains("INDArray").contains("MultiLayerNetwork");
    }

    @Test
    void aCoordinatorThatWritesFiles() {
        assertThat(violations(Layering::coordinatorWritesNoFile)).contains("java.nio.file.Files");
    }

    @Test
    void aStageThatDependsOnALaterOne() {
        assertThat(violations(Layering::flowReadsForward)).contains("fixture.secateur.data.Reader")
                .contains("fixture.secateur.score.Scorer");
    }

    @Test
    void aPackageCycle() {
        assertThat(violations(Layering::noPackageCycles)).contains("score").contains("prune");
    }

    @Test
    void aMessageThatKnowsTheServer() {
        assertThat(violations(Layering::upperPackagesKeepTheirOrder)).contains("fixture.secateur.bus.Reply").contains("fixture.secateur.server.Api");
    }

    @Test
    void anExporterThatCreatesARunDirectoryItself() {
        assertThat(violations(Layering::onlyTheRecorderWritesRunDirectories)).contains("fixture.secateur.export.Exporter")
                .contains("RunDirectory.create");
    }

    @Test
    void anEvaluatorThatWritesAFile() {
        assertThat(violations(Layering::onlyFileOwnersWriteFiles)).contains("fixture.secateur.evaluate.Report").contains("Files.writeString");
    }
}
