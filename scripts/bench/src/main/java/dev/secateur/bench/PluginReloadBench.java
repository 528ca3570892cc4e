package dev.secateur.bench;

import dev.secateur.plugin.PluginHost;
import dev.secateur.spi.Options;
import dev.secateur.spi.testing.ArrayParamView;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reloads the same plugins many times, as a server that watches its plugin directory would, and measures
 * what the JVM keeps: loaded classes and metaspace after a full collection, before and after. Each round
 * replaces a jar (the magnitude plugin, with a new Plugin-Version) and a Groovy source plugin (a new comment),
 * has the host reload both, and scores a tiny tensor with each version while a pin holds it, as a run would.
 * A leak shows as classes and metaspace that grow with the number of rounds.
 */
public final class PluginReloadBench {

    private static final String GROOVY = """
            // round %d
            class Crit implements SaliencyMethod {
                String id() { 'crit' }
                String description() { 'Groovy source plugin reloaded by the benchmark' }
                Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true).addi(%d) }
            }
            """;

    public static void main(String[] args) throws Exception {
        // after the warm-up, the figures at each checkpoint: the 100, then ten times as many for the trend
        var checkpoints = Arrays.stream((args.length > 0 ? args[0] : "100,1000").split(",")).mapToInt(Integer::parseInt).toArray();
        String kinds = args.length > 1 ? args[1] : "jar,groovy";
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path bundled = Path.of(System.getProperty("secateur.bench.plugins", "scripts/bench/target/plugins"));
        Path magnitude = kinds.contains("jar") ? only(bundled, "secateur-plugin-magnitude-*.jar") : null;
        Path dir = Files.createTempDirectory("secateur-reload-bench");
        Path jar = dir.resolve("magnitude.jar");
        Path source = kinds.contains("groovy") ? dir.resolve("crit.groovy") : null;
        var param = ArrayParamView.dense("0_W", Nd4j.rand(16, 8), 1L);

        try (var host = PluginHost.start(List.of(dir))) {
            int round = 0;
            while (round < warmup) {
                reload(host, magnitude, jar, source, ++round, param);
            }
            var base = Snapshot.take(host);
            System.out.printf(Locale.ROOT, "reloading %s, each round scoring with the new version; after %d warm-up rounds, "
                    + "figures after a full GC:%n", kinds, warmup);
            System.out.printf(Locale.ROOT, "  %8s %15s %15s %15s %15s %9s%n", "reloads", "loaded classes", "metaspace KiB",
                    "classes loaded", "unloaded", "held");
            print(0, base, base);
            for (int checkpoint : checkpoints) {
                while (round < warmup + checkpoint) {
                    reload(host, magnitude, jar, source, ++round, param);
                }
                var now = Snapshot.take(host);
                print(checkpoint, base, now);
                System.out.printf(Locale.ROOT, "RELOAD %s reloads %d classes_growth %d metaspace_growth_kib %d%n", kinds, checkpoint,
                        now.loadedClasses - base.loadedClasses, now.metaspaceKib - base.metaspaceKib);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (var file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** One round: new versions of both files, reloaded, each used by a "run" that pins it and then lets go. */
    private static void reload(PluginHost host, Path magnitude, Path jar, Path source, int round, ArrayParamView param)
            throws IOException {
        var ids = new HashSet<String>();
        if (magnitude != null) {
            Path staged = jar.resolveSibling("magnitude.jar.part");
            withVersion(magnitude, staged, "1.0." + round);
            Files.move(staged, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ids.add("magnitude");
        }
        if (source != null) {
            Files.writeString(source, GROOVY.formatted(round, round));
            ids.add("crit");
        }
        var changes = host.refresh(false);
        if (changes.size() != ids.size() || changes.stream().anyMatch(c -> c.reason() != null)) {
            throw new IllegalStateException("round " + round + " did not reload " + ids + ": " + changes);
        }
        var pins = host.pin(ids, Set.of());
        try {
            for (String id : ids) {
                var version = host.saliency(id, pins);
                if (id.equals("magnitude") && !version.version().equals("1.0." + round)) {
                    throw new IllegalStateException("round " + round + " serves magnitude " + version.version());
                }
                version.extension().score(param, Options.NONE).close();
            }
        } finally {
            host.release(pins);
        }
    }

    /** Copies a plugin jar with another Plugin-Version in its manifest. */
    private static void withVersion(Path jar, Path copy, String version) throws IOException {
        try (var in = new JarInputStream(Files.newInputStream(jar))) {
            var manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Plugin-Version", version);
            try (var out = new JarOutputStream(Files.newOutputStream(copy), manifest)) {
                for (JarEntry entry; (entry = in.getNextJarEntry()) != null; ) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }

    private static Path only(Path dir, String glob) throws IOException {
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, glob)) {
            var it = found.iterator();
            if (!it.hasNext()) {
                throw new IllegalStateException("no " + glob + " in " + dir + "; scripts/bench/run.sh builds it");
            }
            return it.next();
        }
    }

    private static void print(int reloads, Snapshot base, Snapshot now) {
        System.out.printf(Locale.ROOT, "  %8d %8d (%+5d) %8d (%+5d) %15d %15d %9d%n", reloads, now.loadedClasses,
                now.loadedClasses - base.loadedClasses, now.metaspaceKib, now.metaspaceKib - base.metaspaceKib,
                now.totalLoaded - base.totalLoaded, now.unloaded - base.unloaded, now.versions);
    }

    private record Snapshot(long loadedClasses, long metaspaceKib, long totalLoaded, long unloaded, int versions) {

        /** After full collections, until metaspace stops shrinking: what is still reachable stays. */
        static Snapshot take(PluginHost host) throws InterruptedException {
            var metaspace = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getName().equals("Metaspace"))
                    .findFirst().orElseThrow();
            long previous = Long.MAX_VALUE;
            for (int i = 0; i < 20; i++) {
                System.gc();
                Thread.sleep(200);
                long used = used(metaspace);
                if (i >= 3 && used >= previous) {
                    break;
                }
                previous = used;
            }
            var classes = ManagementFactory.getClassLoadingMXBean();
            return new Snapshot(classes.getLoadedClassCount(), used(metaspace) / 1024, classes.getTotalLoadedClassCount(),
                    classes.getUnloadedClassCount(), host.loadedVersions());
        }

        private static long used(MemoryPoolMXBean pool) {
            return pool.getUsage().getUsed();
        }
    }
}
