package dev.secateur.bench;

import dev.secateur.model.ModelFiles;
import dev.secateur.shrink.SideBySide;
import java.nio.file.Path;

/**
 * A dense model and its pruned, physically smaller version measured side by side, as a run does at removal:
 * parameters, FLOPs, latency at batch 1 and 256 in alternating rounds, and the per-layer profile. For
 * timing finished runs again on a quiet machine: {@code scripts/bench/run.sh pair DENSE.zip PRUNED.zip}.
 */
public final class LatencyPair {

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: scripts/bench/run.sh pair DENSE_MODEL.zip PRUNED_MODEL.zip");
            System.exit(2);
        }
        var dense = ModelFiles.load(Path.of(args[0]));
        var pruned = ModelFiles.load(Path.of(args[1]));
        System.out.println("dense " + args[0] + ", pruned " + args[1] + ":");
        SideBySide.measure(dense, pruned).lines().forEach(line -> System.out.println("  " + line));
    }
}
