package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.cluster.ClusterSecret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rogue cluster member, a JVM of its own ({@link RogueMember}) that knows Secateur's code and the cluster's name
 * but not its secret, beside a real worker and coordinator (bin/secateur). Without the secret it cannot even join;
 * given the Hazelcast name derived from the secret (as someone who sniffed a multi-host cluster's traffic could
 * learn it), it joins Hazelcast but gets no job, its worker entry is never used, its Java object is never built,
 * its unsigned job is refused by the real worker, and it plants no run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RogueMemberIT {

    private static final String JVM = "-Xmx2g -Dsecateur.cluster.joinWaitSeconds=0 " + Cli.TEST_JVM;
    private static final String CLUSTER = "it-rogue-" + ProcessHandle.current().pid();

    @TempDir
    static Path work;
    private static Path secret;
    private static Output worker;
    private final List<Process> rogues = new ArrayList<>();

    /** A process's standard output, line by line, as it comes. */
    private record Output(Process process, List<String> lines) {
        static Output of(Process process) {
            var lines = new CopyOnWriteArrayList<String>();
            var reader = new Thread(() -> read(process.getInputStream(), lines));
            reader.setDaemon(true);
            reader.start();
            return new Output(process, lines);
        }

        private static void read(InputStream in, List<String> lines) {
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("<unreadable: " + e + ">");
            }
        }

        void await(String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (lines.stream().noneMatch(l -> l.contains(text))) {
                if (!process.isAlive()) {
                    throw new AssertionError("the process exited (" + process.exitValue() + ") before printing '" + text + "': "
                            + lines + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                assertThat(System.nanoTime()).as("waiting for '" + text + "'; printed so far " + lines).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    @BeforeAll
    static void aWorkerWithTheSecret() throws Exception {
        secret = work.resolve("secret/cluster.secret");
        ClusterSecret.loadOrCreate(secret);
        var dir = Files.createDirectories(work.resolve("w"));
        worker = Output.of(Cli.startWith(dir, JVM, "worker", "--cluster-name", CLUSTER, "--cluster-secret", secret.toString(),
                "--work-dir", dir.resolve("worker").toString()));
        worker.await("waiting for jobs");
    }

    @AfterAll
    static void stopWorker() {
        worker.process().destroyForcibly();
    }

    @AfterEach
    void stopRogues() {
        rogues.forEach(Process::destroyForcibly);
    }

    /** {@link RogueMember} on this test's classpath, under the Hazelcast cluster name {@code name}. */
    private Output rogue(String name) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        var process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), RogueMember.class.getName(), name)
                .directory(work.toFile()).start();
        rogues.add(process);
        return Output.of(process);
    }

    @Test
    @Order(1)
    void aMemberWithoutTheSecretCannotJoinUnderTheClustersNameNorTheDefaultOne() throws Exception {
        for (String name : List.of(CLUSTER, "secateur")) {
            var rogue = rogue(name);
            rogue.await("stated itself a worker");
            assertThat(rogue.lines()).as("under cluster name " + name).contains("rogue: members 1");
        }
    }

    @Test
    @Order(2)
    void aMemberThatJoinedHazelcastWithoutTheSecretGetsNoJobPlantsNoRunAndItsJobIsRefused() throws Exception {
        String hazelcastName = ClusterSecret.load(secret).hazelcastName(CLUSTER);
        var rogue = rogue(hazelcastName);
        rogue.await("stated itself a worker");
        assertThat(rogue.lines()).contains("rogue: members 2");
        rogue.await("rogue: unsigned job to worker");
        assertThat(rogue.lines()).filteredOn(l -> l.startsWith("rogue: unsigned job"))
                .singleElement().asString().contains("failed: refused by worker").contains("unsigned job message");

        var script = Cli.script(work, "rogue-sweep.groovy", """
                def subset = fashionMnist(source: 'embedded', train: 500, test: 200)
                def specs = [0.5, 0.8].collect { target ->
                    experiment("rogue-${(int) Math.round(target * 100)}") {
                        seed 7
                        model { train 'lenet-300-100', epochs: 1 }
                        data subset
                        saliency 'magnitude'
                        schedule 'one-shot', target: target
                        finetune epochs: 0
                        evaluate latencyRepeats: 1
                    }
                }
                runAll(specs).each { println "RESULT ${it.experiment()} ${it.runDir().fileName}" }
                """);
        var result = Cli.runWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER, "--cluster-secret", secret.toString(),
                script.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("RESULT rogue-50").contains("RESULT rogue-80").doesNotContain("ran on worker rogue");
        // the rogue claimed capacity 8 against the worker's 1: had its entry been used, it would have had jobs
        assertThat(rogue.lines()).noneMatch(l -> l.contains("received a job") || l.contains("received a model"));
        assertThat(worker.lines()).noneMatch(l -> l.contains("rogue-run"));
        try (Stream<Path> runs = Files.list(work.resolve("runs"))) {
            assertThat(runs.map(p -> p.getFileName().toString())).hasSize(2).allMatch(n -> n.startsWith("rogue-"));
        }
        try (Stream<Path> all = Files.walk(work)) {
            assertThat(all.filter(p -> p.getFileName().toString().equals("planted.txt"))).isEmpty();
        }
        assertThat(Path.of("/tmp/owned")).doesNotExist();
    }
}
