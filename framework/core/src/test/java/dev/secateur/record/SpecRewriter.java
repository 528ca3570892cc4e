package dev.secateur.record;

import java.nio.file.Path;
import java.util.Map;

/**
 * A second JVM that rewrites one run's spec.json through {@link RunDirectory#writeSpec} as fast as it can,
 * alternating two versions of a few megabytes, until it is killed: the fault harness kills it mid-write.
 */
public final class SpecRewriter {

    static final int SIZE = 4_000_000;

    static Map<String, Object> version(int which) {
        return Map.of("runId", "torn", "version", which, "padding", String.valueOf((char) ('a' + which)).repeat(SIZE));
    }

    public static void main(String[] args) {
        var dir = RunDirectory.create(Path.of(args[0]), "torn");
        dir.writeSpec(version(0));
        System.out.println("writing");
        System.out.flush();
        for (int i = 1; ; i++) {
            dir.writeSpec(version(i % 2));
        }
    }
}
