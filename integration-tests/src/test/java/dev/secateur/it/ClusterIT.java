package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.CiAssumptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode with three JVMs on loopback: a coordinator (bin/secateur run --cluster) and two workers
 * (bin/secateur worker), joined through Hazelcast under a cluster name of this test's own. What runs on the
 * cluster must give exactly what the same script gives on one JVM, also when a worker is killed mid-analysis.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    /** Workers and coordinators join at once rather than after Hazelcast's default wait. */
    private static final String JVM = "-Xmx2g -Dsecateur.cluster.joinWaitSeconds=0 " + Cli.TEST_JVM;
    private static final String CLUSTER = "it-cluster-" + ProcessHandle.current().pid();
    private static final Path SCRIPTS = Cli.ROOT.resolve("integration-tests/src/test/resources/scripts");
    /** What the workers may read: the installed Fashion-MNIST, and the text gpt-tiny trains on. */
    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private static final Path CORPUS = Path.of("/usr/share/doc/python3.11/html/_sources/tutorial");
    /** results.csv without the columns that are timings (latency, throughput), which no two runs share. */
    private static final int[] DETERMINED = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13};
    private static final Pattern LEDGER = Pattern.compile(
            "cluster: worker (\\S+) \\(pid \\d+\\) ran (\\d+) job\\(s\\); shipped (\\d+) model\\(s\\), ([\\d.]+) KiB");

    @TempDir
    static Path work;
    private static final List<Member> workers = new ArrayList<>();
    /** The sensitivity run on one JVM, which the cluster's runs must equal. */
    private static Path single;

    /** A worker JVM, with what it printed so far. */
    private record Member(Process process, List<String> lines) {
        static Member start(Path dir) throws IOException {
            var args = new ArrayList<>(List.of("worker", "--cluster-name", CLUSTER, "--work-dir", dir.resolve("worker").toString()));
            for (Path data : List.of(FASHION_MNIST, CORPUS)) {
                if (Files.isDirectory(data)) {
                    args.addAll(List.of("--data-dir", data.toString()));
                }
            }
            var process = Cli.startWith(dir, JVM, args.toArray(String[]::new));
            var lines = new CopyOnWriteArrayList<String>();
            var reader = new Thread(() -> {
                try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("<unreadable: " + e + ">");
                }
            });
            reader.setDaemon(true);
            reader.start();
            return new Member(process, lines);
        }

        boolean printed(String text, int from) {
            return lines.subList(Math.min(from, lines.size()), lines.size()).stream().anyMatch(l -> l.contains(text));
        }

        void await(String text, int from) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!printed(text, from)) {
                if (!process.isAlive()) {
                    throw new AssertionError("the worker exited (" + process.exitValue() + ") before printing '" + text + "': "
                            + lines + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                assertThat(System.nanoTime()).as("worker printing '" + text + "'; it printed " + lines).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    @BeforeAll
    static void twoWorkersAndTheSingleJvmRun() throws Exception {
        for (int i = 1; i <= 2; i++) {
            workers.add(Member.start(Files.createDirectories(work.resolve("w" + i))));
        }
        // meanwhile, the reference: the same script on one JVM
        var result = Cli.run(work, "run", SCRIPTS.resolve("cluster-sensitivity.groovy").toString(), "--runs-dir", "single", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        single = onlyRun(work.resolve("single"));
        for (var worker : workers) {
            worker.await("waiting for jobs", 0);
        }
    }

    @AfterAll
    static void stopWorkers() {
        workers.forEach(w -> w.process().destroyForcibly());
    }

    @Test
    @Order(0)
    void theWorkersListenOnLoopbackOnly() throws Exception {
        // the kernel's table of listening sockets: Hazelcast's ports (5701 and up) are bound to 127.0.0.1, never to
        // every address; a dual-stack socket shows 127.0.0.1 as ::ffff:127.0.0.1
        var listening = new ArrayList<String>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).map(String::trim).toList()) {
                String[] cells = line.split("\\s+");
                int port = Integer.parseInt(cells[1].substring(cells[1].indexOf(':') + 1), 16);
                if (cells[3].equals("0A") && port >= 5701 && port <= 5720) {
                    listening.add(cells[1]);
                }
            }
        }
        assertThat(listening).as("Hazelcast's listening sockets").hasSizeGreaterThanOrEqualTo(2);
        assertThat(listening).allMatch(address -> address.startsWith("0100007F:")
                || address.startsWith("0000000000000000FFFF00000100007F:"), "is 127.0.0.1");
    }

    @Test
    @Order(1)
    void aSensitivityAnalysisOnTwoWorkersGivesTheSingleJvmCurvesAndBudgetAndShipsOneModelPerWorker() throws Exception {
        var result = coordinate("cluster-sensitivity.groovy", "clustered");
        assertThat(result.exit()).as(result.err()).isZero();
        var run = onlyRun(work.resolve("clustered"));
        assertThat(Files.readString(run.resolve("sensitivity.csv"))).isEqualTo(Files.readString(single.resolve("sensitivity.csv")));
        assertThat(Files.readString(run.resolve("sensitivity-ratios.csv")))
                .isEqualTo(Files.readString(single.resolve("sensitivity-ratios.csv")));
        assertThat(determined(run)).isEqualTo(determined(single));

        // 3 groups x 3 ratios and the dense point: 10 probes, spread over both workers, each sent the model once
        var ledgers = LEDGER.matcher(result.out()).results().toList();
        assertThat(ledgers).as(result.out()).hasSize(2);
        assertThat(ledgers.stream().mapToInt(m -> Integer.parseInt(m.group(2))).sum()).isEqualTo(10);
        for (var ledger : ledgers) {
            assertThat(Integer.parseInt(ledger.group(2))).as("jobs on " + ledger.group(1)).isGreaterThan(1);
            assertThat(Integer.parseInt(ledger.group(3))).as("models shipped to " + ledger.group(1)).isEqualTo(1);
        }
        // one model's bytes per worker, not one per probe: LeNet-5's 431,080 float parameters are about 1.7 MB
        double modelKib = Double.parseDouble(ledgers.get(0).group(4));
        assertThat(modelKib).isBetween(431_080 * 4 / 1024.0 * 0.8, 431_080 * 4 / 1024.0 * 1.2);
        assertThat(Double.parseDouble(ledgers.get(1).group(4))).isEqualTo(modelKib);
    }

    @Test
    @Order(2)
    void aSweepThroughRunAllGivesTheResultsOfRunningTheExperimentsOneByOne() throws Exception {
        var oneByOne = Cli.run(work, "run", SCRIPTS.resolve("cluster-sweep.groovy").toString(), "each", "--runs-dir", "each",
                "--no-progress");
        assertThat(oneByOne.exit()).as(oneByOne.err()).isZero();
        var sweep = coordinate("cluster-sweep.groovy", "sweep");
        assertThat(sweep.exit()).as(sweep.err()).isZero();
        // all four ran on the workers, and came back into the coordinator's runs directory
        assertThat(sweep.out().lines().filter(l -> l.matches("cluster: sweep-\\d+ ran on worker .*"))).hasSize(4);
        for (String name : List.of("sweep-50", "sweep-70", "sweep-80", "sweep-90")) {
            var clustered = runOf(work.resolve("sweep"), name);
            assertThat(determined(clustered)).as(name).isEqualTo(determined(runOf(work.resolve("each"), name)));
            assertThat(clustered.resolve("model-final.zip")).exists();
            assertThat(clustered.resolve("report.html")).exists();
        }
        // the script gets its results in the order it listed the experiments
        assertThat(sweep.out().lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.split(" ")[1]))
                .containsExactly("sweep-50", "sweep-70", "sweep-80", "sweep-90");
    }

    @Test
    @Order(3)
    void theOraclesUnitsMeasuredOnTheWorkersRankTheCriteriaExactlyAsOneJvmDoes() throws Exception {
        var script = Cli.script(work, "oracle.groovy", """
                def r = run(experiment('it-oracle') {
                    seed 5
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 300)
                    calibration samples: 128
                    compare { criteria 'magnitude', 'taylor'; against 'oracle'; layer '1_W'; granularity neurons() }
                })
                println r.correlationTable
                """);
        var local = Cli.run(work, "run", script.toString(), "--runs-dir", "oracle-single", "--no-progress");
        assertThat(local.exit()).as(local.err()).isZero();
        var clustered = Cli.runWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER, script.toString(), "--runs-dir",
                "oracle-cluster", "--no-progress");
        assertThat(clustered.exit()).as(clustered.err()).isZero();
        for (String file : List.of("rank-correlation.csv", "rank-correlation-points.csv")) {
            assertThat(Files.readString(onlyRun(work.resolve("oracle-cluster")).resolve(file)))
                    .isEqualTo(Files.readString(onlyRun(work.resolve("oracle-single")).resolve(file)));
        }
        // one job per neuron of the 100-neuron layer
        assertThat(LEDGER.matcher(clustered.out()).results().mapToInt(m -> Integer.parseInt(m.group(2))).sum()).isEqualTo(100);
    }

    @Test
    @Order(4)
    void aTransformersHeadsMeasuredByTheOracleOnTheWorkersAreThoseOneJvmMeasures() throws Exception {
        if (!Files.isDirectory(CORPUS)) {
            CiAssumptions.skipOutsideCi("the example corpus is not installed; apt-get install python3.11-doc");
        }
        // gpt-tiny's custom attention vertex and token layers travel to the workers in the model zip, and each head's
        // removal (its query, key and value columns together) is measured there
        var script = Cli.script(work, "heads.groovy", """
                run(experiment('it-heads') {
                    seed 6
                    model { train 'gpt-tiny', layers: 1, dModel: 32, heads: 2, mlp: 64, epochs: 1, batch: 16, lr: 3e-3 }
                    data text('%s', include: '*.txt', context: 16, train: 400, test: 32)
                    calibration samples: 16
                    compare { criteria 'magnitude', 'taylor'; against 'oracle'; layer '2_W'; granularity neurons() }
                })
                """.formatted(CORPUS));
        var local = Cli.run(work, "run", script.toString(), "--runs-dir", "heads-single", "--no-progress");
        assertThat(local.exit()).as(local.err()).isZero();
        var clustered = Cli.runWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER, script.toString(), "--runs-dir",
                "heads-cluster", "--no-progress");
        assertThat(clustered.exit()).as(clustered.err()).isZero();
        var points = Files.readString(onlyRun(work.resolve("heads-cluster")).resolve("rank-correlation-points.csv"));
        assertThat(points).isEqualTo(Files.readString(onlyRun(work.resolve("heads-single")).resolve("rank-correlation-points.csv")));
        // a header and one row per head, each with the oracle's loss for removing it and the two criteria's scores
        assertThat(points.lines()).hasSize(3);
        assertThat(points.lines().skip(1)).allSatisfy(row -> assertThat(row.split(",", -1)).hasSize(5).doesNotContain(""));
        // one job per head of block 0
        assertThat(LEDGER.matcher(clustered.out()).results().mapToInt(m -> Integer.parseInt(m.group(2))).sum()).isEqualTo(2);
    }

    @Test
    @Order(5)
    void aWorkerKilledMidAnalysisHasItsJobsSentToTheOtherAndTheResultIsUnchanged() throws Exception {
        var victim = workers.get(0);
        int from = victim.lines().size();
        var coordinator = Cli.startWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER,
                SCRIPTS.resolve("cluster-sensitivity.groovy").toString(), "--runs-dir", "killed", "--no-progress");
        var out = new StringBuilder();
        var reader = new Thread(() -> {
            try {
                out.append(new String(coordinator.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e);
            }
        });
        reader.start();
        // the model arrives just before the worker's first probe: the analysis has begun, and this worker has work
        victim.await("received model", from);
        victim.process().destroyForcibly(); // SIGKILL: no goodbye to the cluster
        assertThat(victim.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(coordinator.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(coordinator.waitFor(5, TimeUnit.MINUTES)).isTrue();
        reader.join();
        assertThat(coordinator.exitValue()).as(err + out).isZero();
        var run = onlyRun(work.resolve("killed"));
        assertThat(Files.readString(run.resolve("sensitivity.csv"))).isEqualTo(Files.readString(single.resolve("sensitivity.csv")));
        assertThat(Files.readString(run.resolve("sensitivity-ratios.csv")))
                .isEqualTo(Files.readString(single.resolve("sensitivity-ratios.csv")));
        assertThat(determined(run)).isEqualTo(determined(single));
        assertThat(err).containsAnyOf("left the cluster", "is gone");
        // the survivor ran at least the killed worker's share
        var ledgers = LEDGER.matcher(out).results().toList();
        assertThat(ledgers.stream().mapToInt(m -> Integer.parseInt(m.group(2))).max().orElse(0)).isGreaterThanOrEqualTo(5);
    }

    @Test
    @Order(6)
    void withNoWorkerTheProbesFailAtTheStageTimeoutSayingHowToStartOne() throws Exception {
        var config = Files.writeString(work.resolve("short.json"), "{\"timeoutSeconds\": {\"evaluator\": 5}}");
        var script = Cli.script(work, "alone.groovy", """
                run(experiment('it-alone') {
                    seed 5
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 500, test: 200)
                    granularity neurons()
                    sensitivity { ratios 0.5; samples 100 }
                    scope fromSensitivity(budget: flops(0.3))
                    schedule 'one-shot'
                    finetune epochs: 0
                })
                """);
        var result = Cli.runWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER + "-empty", "--config", config.toString(),
                script.toString(), "--runs-dir", "empty", "--no-progress");
        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("no cluster worker took the job within 5 s").contains("bin/secateur worker")
                .contains(CLUSTER + "-empty").contains("timeoutSeconds.evaluator");
    }

    @Test
    @Order(7)
    void clusterFlagsThatCannotWorkAreRefusedBeforeAnythingStarts() throws Exception {
        var script = SCRIPTS.resolve("cluster-sensitivity.groovy").toString();
        var noCluster = Cli.run(work, "run", "--members", "127.0.0.1", script, "--runs-dir", "refused");
        assertThat(noCluster.exit()).isEqualTo(2);
        assertThat(noCluster.err()).contains("add --cluster");
        var capacity = Cli.run(work, "worker", "--capacity", "0");
        assertThat(capacity.exit()).isEqualTo(2);
        assertThat(capacity.err()).contains("--capacity 0 must be 1 or more");
        var foreign = Cli.run(work, "worker", "--interface", "192.0.2.1");
        assertThat(foreign.exit()).isEqualTo(2);
        assertThat(foreign.err()).contains("--interface 192.0.2.1 is not an address of this machine");
        var badXml = Files.writeString(work.resolve("broken.xml"), "<hazelcast><network>");
        var broken = Cli.run(work, "worker", "--cluster-config", badXml.toString());
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.err()).contains("cluster configuration " + badXml).contains("not a valid Hazelcast XML configuration");
        assertThat(work.resolve("refused")).doesNotExist();
    }

    @Test
    @Order(8)
    void aWorkerStoppedWithSigtermLeavesTheClusterAndDeletesItsTemporaryDirectory() throws Exception {
        var process = Cli.startWith(work, JVM, "worker", "--cluster-name", CLUSTER + "-stop");
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String joined = out.readLine();
        assertThat(joined).contains("joined cluster '" + CLUSTER + "-stop'").contains("capacity 1");
        var dir = Path.of(joined.substring(joined.indexOf("runs in progress in ") + "runs in progress in ".length()));
        assertThat(dir).isDirectory();
        assertThat(out.readLine()).contains("waiting for jobs");
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the worker stops within a minute").isTrue();
        assertThat(process.exitValue()).isIn(0, 143);
        assertThat(dir).doesNotExist();
    }

    private static Cli.Result coordinate(String script, String runsDir) throws Exception {
        return Cli.runWith(work, JVM, "run", "--cluster", "--cluster-name", CLUSTER, SCRIPTS.resolve(script).toString(),
                "--runs-dir", runsDir, "--no-progress");
    }

    private static List<String> determined(Path run) throws IOException {
        return Files.readAllLines(run.resolve("results.csv")).stream().map(line -> {
            String[] cells = line.split(",", -1);
            var kept = new StringBuilder();
            for (int i : DETERMINED) {
                kept.append(cells[i]).append(',');
            }
            return kept.toString();
        }).toList();
    }

    private static Path onlyRun(Path runs) throws IOException {
        try (Stream<Path> dirs = Files.list(runs)) {
            var all = dirs.filter(Files::isDirectory).toList();
            assertThat(all).as("runs in " + runs).hasSize(1);
            return all.get(0);
        }
    }

    private static Path runOf(Path runs, String experiment) throws IOException {
        try (Stream<Path> dirs = Files.list(runs)) {
            var all = dirs.filter(d -> d.getFileName().toString().startsWith(experiment + "-")).toList();
            assertThat(all).as(experiment + " in " + runs).hasSize(1);
            return all.get(0);
        }
    }
}
