package dev.secateur.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FileWriter;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The layering of docs/architecture.md as ArchUnit rules over bytecode, so fully qualified references
 * count as much as imports. The rules take the root package, so a test can also show that each one
 * catches a deliberately bad set of classes.
 */
final class Layering {

    /** The plain packages of the five stages, in the order the data flows through them. */
    static final List<String> FLOW = List.of("data", "model", "score", "prune", "finetune", "evaluate");

    /** Packages of plain classes: testable without Vert.x, and unaware of the bus, the verticles and the coordinator. */
    static final List<String> PLAIN = List.of("spec", "config", "errors", "data", "model", "score", "prune", "shrink",
            "sensitivity", "finetune", "evaluate", "schedule", "export", "plugin", "result", "record", "store", "files");

    /** What sits above the plain classes: messages, verticles, the coordinator, start-up, metrics, the server, the DSL and the CLI. */
    static final List<String> ABOVE = List.of("bus", "cluster", "stage", "run", "runtime", "metrics", "server", "dsl", "cli");

    /**
     * The upper packages from the bottom up: the messages; beside them the cluster, the meters and the DSL; the
     * verticles and the coordinator; start-up; the server; the command line. A tier uses only tiers below it.
     */
    static final List<List<String>> UPPER = List.of(List.of("bus"), List.of("cluster", "metrics", "dsl"), List.of("stage", "run"),
            List.of("runtime"), List.of("server"), List.of("cli"));

    /**
     * The packages that write files of their own (never a run directory): model and export files asked for, plugin
     * copies, the token and the secret, a worker's cache and keys, the server's kept scripts, what a command creates.
     * The recorder ({@code record}) writes run directories, through {@code files}. Every other package writes nothing.
     */
    static final List<String> FILE_OWNERS = List.of("record", "files", "model", "export", "plugin", "config", "cluster", "server", "cli");

    private final String root;

    Layering(String root) {
        this.root = root;
    }

    private String pkg(String name) {
        return root + "." + name + "..";
    }

    private String[] pkgs(List<String> names) {
        return names.stream().map(this::pkg).toArray(String[]::new);
    }

    ArchRule spiDependsOnNothingOfOurs() {
        return noClasses().that().resideInAPackage(pkg("spi"))
                .should().dependOnClassesThat(resideInAPackage(root + "..").and(resideOutsideOfPackage(pkg("spi"))))
                .because("plugins compile against the SPI alone, so it can change only with them");
    }

    ArchRule pluginsSeeOnlyTheSpiNd4jAndPf4j() {
        return classes().that().resideInAPackage(pkg("plugins"))
                .should().onlyDependOnClassesThat().resideInAnyPackage(pkg("spi"), pkg("plugins"), "org.nd4j..", "org.pf4j..", "java..")
                .because("a plugin is loaded in its own class loader with only the SPI, ND4J and PF4J from the host");
    }

    ArchRule plainClassesNeverImportVertx() {
        return noClasses().that().resideInAnyPackage(pkgs(plainAndDsl()))
                .should().dependOnClassesThat().resideInAPackage("io.vertx..")
                .because("each verticle is a thin adapter over a plain class that is tested without Vert.x");
    }

    ArchRule plainClassesKnowNothingOfTheBus() {
        return noClasses().that().resideInAnyPackage(pkgs(PLAIN))
                .should().dependOnClassesThat().resideInAnyPackage(pkgs(ABOVE))
                .because("the plain classes are the bottom layer: the bus, the verticles and the coordinator use them, never the reverse");
    }

    ArchRule coreNeverImportsTheCli() {
        return noClasses().that().resideInAPackage(root + "..").and().resideOutsideOfPackage(pkg("cli"))
                .should().dependOnClassesThat().resideInAPackage(pkg("cli"))
                .because("the command line is one client of the core among others (scripts, tests, a server)");
    }

    ArchRule dslReachesStagesOnlyThroughTheBus() {
        return classes().that().resideInAPackage(pkg("dsl"))
                .should().onlyDependOnClassesThat().resideInAnyPackage(pkg("dsl"), pkg("spec"), pkg("bus"), pkg("result"),
                        pkg("errors"), pkg("spi"), "java..", "javax..", "groovy..", "org.codehaus.groovy..", "org.apache.groovy..")
                .because("a script declares specs and submits them on the bus; what the stages do is theirs");
    }

    ArchRule coordinatorHoldsNoNetwork() {
        return noClasses().that().resideInAPackage(pkg("run"))
                .should().dependOnClassesThat().resideInAnyPackage("org.nd4j..", "org.deeplearning4j..")
                .because("the coordinator orchestrates by handle: it never holds an INDArray, a MultiLayerNetwork or a ComputationGraph");
    }

    ArchRule coordinatorWritesNoFile() {
        return noClasses().that().resideInAPackage(pkg("run"))
                .should().dependOnClassesThat().belongToAnyOf(Files.class, FileOutputStream.class, FileWriter.class,
                        RandomAccessFile.class, FileChannel.class)
                .because("the recorder is the only writer of a run directory");
    }

    /** Earlier stages of the flow never depend on later ones: data, model, score, prune, fine-tune, evaluate. */
    ArchRule flowReadsForward() {
        CompositeArchRule rule = null;
        for (int i = 0; i < FLOW.size() - 1; i++) {
            var next = noClasses().that().resideInAPackage(pkg(FLOW.get(i)))
                    .should().dependOnClassesThat().resideInAnyPackage(pkgs(FLOW.subList(i + 1, FLOW.size())))
                    .because("the data flows " + String.join(" -> ", FLOW) + ", and each package uses only those before it")
                    .allowEmptyShould(true);
            rule = rule == null ? CompositeArchRule.of(next) : rule.and(next);
        }
        return rule;
    }

    /** The upper packages keep their order among themselves: a tier never reaches one above it. */
    ArchRule upperPackagesKeepTheirOrder() {
        CompositeArchRule rule = null;
        for (int i = 0; i < UPPER.size() - 1; i++) {
            var above = UPPER.subList(i + 1, UPPER.size()).stream().flatMap(List::stream).toList();
            var next = noClasses().that().resideInAnyPackage(pkgs(UPPER.get(i)))
                    .should().dependOnClassesThat().resideInAnyPackage(pkgs(above))
                    .because("the upper packages stack up as " + UPPER + ", and each uses only those below it")
                    .allowEmptyShould(true);
            rule = rule == null ? CompositeArchRule.of(next) : rule.and(next);
        }
        return rule;
    }

    /**
     * Only the recorder writes run directories: nothing outside {@code record} creates, reopens, writes, appends to,
     * marks, locks or checkpoints one, and only the recorder's verticle (deployed by {@code StageDeployment}) drives
     * the recorder. A run that a cluster worker's recorder wrote lands through {@code RunArchive}, in {@code record}.
     */
    ArchRule onlyTheRecorderWritesRunDirectories() {
        String record = root.replace(".", "\\.") + "\\.record\\.";
        return noClasses().that(resideOutsideOfPackage(pkg("record")))
                .and().doNotHaveFullyQualifiedName(root + ".stage.RecorderVerticle")
                .and().doNotHaveFullyQualifiedName(root + ".stage.StageDeployment")
                .should().callMethodWhere(JavaCall.Predicates.target(HasOwner.Predicates.With.owner(
                        HasName.Predicates.nameMatching(record + "(RunDirectory|Checkpoints|RunLock)")))
                        .and(JavaCall.Predicates.target(HasName.Predicates.nameMatching(
                                "create|reopen|write.*|append.*|mark.*|take|release|dropAfter"))))
                .orShould().dependOnClassesThat().haveNameMatching(record + "RunRecorder")
                .because("the recorder is the only writer of a run directory; the rest ask it over the bus")
                .allowEmptyShould(true);
    }

    /** Packages other than {@link #FILE_OWNERS} write no file at all, whatever API they would use. */
    ArchRule onlyFileOwnersWriteFiles() {
        return noClasses().that().resideOutsideOfPackages(pkgs(FILE_OWNERS)).and().resideInAPackage(root + "..")
                .and().resideOutsideOfPackage(pkg("plugins")).and().resideOutsideOfPackage(pkg("spi"))
                .should().callMethodWhere(JavaCall.Predicates.target(HasOwner.Predicates.With.owner(HasName.Predicates.nameMatching(
                        "java\\.nio\\.file\\.Files"))).and(JavaCall.Predicates.target(HasName.Predicates.nameMatching(
                        "write.*|newOutputStream|newBufferedWriter|copy|move|create.*|delete.*|setPosixFilePermissions"))))
                .orShould().callConstructor(FileOutputStream.class, String.class)
                .orShould().callConstructor(FileOutputStream.class, File.class)
                .orShould().callConstructor(FileWriter.class, String.class)
                .orShould().callConstructor(RandomAccessFile.class, String.class, String.class)
                .orShould().callMethodWhere(JavaCall.Predicates.target(HasOwner.Predicates.With.owner(HasName.Predicates.nameMatching(
                        "java\\.nio\\.channels\\.FileChannel"))).and(JavaCall.Predicates.target(HasName.Predicates.nameMatching("open"))))
                .because("files are written by the packages that own them (" + FILE_OWNERS + "); the rest compute and send messages")
                .allowEmptyShould(true);
    }

    ArchRule noPackageCycles() {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    private static List<String> plainAndDsl() {
        var all = new ArrayList<>(PLAIN);
        all.add("dsl");
        return all;
    }
}
