package dev.secateur.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, checked on the bytecode of the SPI, the core, the CLI and every
 * built-in plugin. A failure names the class, the dependency and the line.
 */
class ArchitectureTest {

    private static JavaClasses secateur;
    private static final Layering RULES = new Layering("dev.secateur");

    @BeforeAll
    static void importClasses() {
        secateur = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.secateur");
    }

    @Test
    void everyModuleIsImported() {
        // a rule over an empty set passes; make sure the SPI, the core, the CLI and the plugins are all there
        for (String pkg : new String[]{"spi", "run", "stage", "dsl", "cli", "plugins.magnitude", "plugins.obs", "plugins.agp"}) {
            Assertions.assertThat(secateur.stream().anyMatch(c -> c.getPackageName().startsWith("dev.secateur." + pkg)))
                    .as("classes of dev.secateur.%s imported", pkg).isTrue();
        }
    }

    @Test
    void theSpiDependsOnNothingOfOurs() {
        RULES.spiDependsOnNothingOfOurs().check(secateur);
    }

    @Test
    void pluginsSeeOnlyTheSpiNd4jAndPf4j() {
        RULES.pluginsSeeOnlyTheSpiNd4jAndPf4j().check(secateur);
    }

    @Test
    void plainClassesNeverImportVertx() {
        RULES.plainClassesNeverImportVertx().check(secateur);
    }

    @Test
    void plainClassesKnowNothingOfTheBus() {
        RULES.plainClassesKnowNothingOfTheBus().check(secateur);
    }

    @Test
    void coreNeverImportsTheCli() {
        RULES.coreNeverImportsTheCli().check(secateur);
    }

    @Test
    void theDslReachesStagesOnlyThroughTheBus() {
        RULES.dslReachesStagesOnlyThroughTheBus().check(secateur);
    }

    @Test
    void theCoordinatorHoldsNoNetwork() {
        RULES.coordinatorHoldsNoNetwork().check(secateur);
    }

    @Test
    void theCoordinatorWritesNoFile() {
        RULES.coordinatorWritesNoFile().check(secateur);
    }

    @Test
    void theFlowReadsForward() {
        RULES.flowReadsForward().check(secateur);
    }

    @Test
    void noPackageCycles() {
        RULES.noPackageCycles().check(secateur);
    }

    @Test
    void theUpperPackagesKeepTheirOrder() {
        RULES.upperPackagesKeepTheirOrder().check(secateur);
    }

    @Test
    void onlyTheRecorderWritesRunDirectories() {
        RULES.onlyTheRecorderWritesRunDirectories().check(secateur);
    }

    @Test
    void onlyThePackagesThatOwnFilesWriteFiles() {
        RULES.onlyFileOwnersWriteFiles().check(secateur);
    }
}
