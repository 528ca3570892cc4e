package dev.secateur.cli;

import java.nio.file.Path;

/** Where the packaged application lives: bin/secateur sets {@code secateur.home} to target/secateur. */
final class Home {

    private Home() {
    }

    static Path path() {
        return Path.of(System.getProperty("secateur.home", "framework/cli/target/secateur"));
    }

    /** The built-in plugin jars. */
    static Path builtinPlugins() {
        return path().resolve("plugins");
    }
}
