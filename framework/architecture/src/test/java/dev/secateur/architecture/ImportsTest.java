package dev.secateur.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dependencies are declared at the top of a file: no class name is spelled out in full inside the code of
 * the framework, the plugins, the end-to-end tests or the benchmarks, except where its simple name is taken.
 */
class ImportsTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    @Test
    void noJavaFileSpellsOutAClassItCouldImport() throws IOException {
        var found = new ArrayList<String>();
        var files = new ArrayList<Path>();
        for (var tree : List.of("framework", "plugins", "integration-tests", "scripts/bench/src")) {
            try (var walk = Files.walk(ROOT.resolve(tree))) {
                walk.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/target/")).forEach(files::add);
            }
        }
        assertThat(files).as("the sources were found").hasSizeGreaterThan(300);
        files.forEach(f -> found.addAll(QualifiedNames.inline(f)));
        assertThat(found).as("full class names in code; import them (python3 scripts/tools/imports.py FILE... does it)").isEmpty();
    }

    @Test
    void theRuleSeesCodeButNotCommentsStringsOrImportsAndAllowsATakenName(@TempDir Path dir) throws IOException {
        var file = Files.writeString(dir.resolve("Sample.java"), """
                package fixture;

                import java.util.List;
                import org.example.Version;

                /** Uses {@link java.util.Map} in a comment. */
                class Sample {
                    String text = "java.util.Set";
                    java.util.Deque<String> queue; // java.util.Queue
                    dev.secateur.config.Version version;
                    java.util.List<String> list;
                }
                """);
        assertThat(QualifiedNames.inline(file)).containsExactly(file + ":9: java.util.Deque", file + ":11: java.util.List");
    }
}
