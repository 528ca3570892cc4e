package dev.secateur.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Runs bin/secateur in its own JVM, as a user does. */
final class Cli {

    static final Path ROOT = Path.of(System.getProperty("secateur.root", "..")).toAbsolutePath().normalize();
    static final Path BIN = ROOT.resolve("bin/secateur");

    record Result(int exit, String out, String err) {
        /** The lines of stderr that are not blank. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private Cli() {
    }

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return finish(start(workDir, args), args);
    }

    private static Result finish(Process process, String... args) throws IOException, InterruptedException {
        var out = new StringBuilder();
        var outReader = new Thread(() -> copy(process, out));
        outReader.start();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("bin/secateur " + String.join(" ", args) + " did not finish in 10 minutes");
        }
        outReader.join();
        return new Result(process.exitValue(), out.toString(), err);
    }

    /**
     * JVM options of every bin/secateur a test starts. No test checks a timing, so the first latency measurement
     * skips its JIT warm-up, and the JIT stops at C1: C2's compiling took about 40% of the CPU of a short run
     * (docs/results/speed.md, "The suite: test JVMs stop the JIT at C1"). Results do not depend on the JIT level.
     */
    static final String TEST_JVM = "-Dsecateur.latency.firstWarmupMillis=0 -XX:TieredStopAtLevel=1";
    /** The options of a run started here: {@link #TEST_JVM} with a heap of 3 GB. */
    static final String JAVA_OPTIONS = "-Xmx3g " + TEST_JVM;

    static Process start(Path workDir, String... args) throws IOException {
        return startWith(workDir, JAVA_OPTIONS, args);
    }

    /** The same, with the JVM options bin/secateur passes through SECATEUR_JAVA_OPTS. */
    static Process startWith(Path workDir, String javaOptions, String... args) throws IOException {
        return withOptions(command(workDir, args), javaOptions).start();
    }

    /** bin/secateur with these arguments in {@code workDir}, not started, so that a test can redirect its output. */
    static ProcessBuilder builder(Path workDir, String... args) {
        return withOptions(command(workDir, args), JAVA_OPTIONS);
    }

    private static ProcessBuilder command(Path workDir, String... args) {
        var command = new ArrayList<String>();
        command.add(BIN.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(workDir.toFile());
    }

    /** Gives a process that runs bin/secateur, directly or through a shell, these JVM options. */
    static ProcessBuilder withOptions(ProcessBuilder builder, String javaOptions) {
        builder.environment().put("SECATEUR_JAVA_OPTS", javaOptions);
        return builder;
    }

    /** Runs bin/secateur with these JVM options and waits for it, like {@link #run(Path, String...)}. */
    static Result runWith(Path workDir, String javaOptions, String... args) throws IOException, InterruptedException {
        return finish(startWith(workDir, javaOptions, args), args);
    }

    private static void copy(Process process, StringBuilder into) {
        try {
            into.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            into.append("<stdout unreadable: ").append(e).append('>');
        }
    }

    /**
     * In {@code work}/plugins:
     * a Groovy source criterion that scores |w| for a parameter of at most 100 weights, so it passes the smoke
     * test (a 6x4 parameter), and runs {@code onRealLayers} for a real layer: how a plugin that breaks its
     * contract only in a run looks.
     */
    static Path criterion(Path work, String id, String onRealLayers) throws IOException {
        var plugins = Files.createDirectories(work.resolve("plugins"));
        String type = Arrays.stream(id.split("-")).map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
                .collect(Collectors.joining());
        Files.writeString(plugins.resolve(id + ".groovy"), """
                class %s implements SaliencyMethod {
                    String id() { '%s' }
                    String description() { 'breaks its contract on real layers' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) {
                        def scores = Transforms.abs(param.weights(), true)
                        if (param.weights().length() <= 100) {
                            return scores
                        }
                        %s
                    }
                }
                """.formatted(type, id, onRealLayers));
        return plugins;
    }

    static Path script(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
