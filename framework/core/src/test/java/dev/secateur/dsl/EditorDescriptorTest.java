package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import groovy.lang.GroovyShell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The IntelliJ descriptor ships in the jar, is valid Groovy, and names classes that exist. */
class EditorDescriptorTest {

    @Test
    void theGdslFileIsInTheJarAndNamesRealClasses() throws IOException, ClassNotFoundException {
        String text;
        try (var in = getClass().getResourceAsStream("/dev/secateur/dsl/secateur.gdsl")) {
            assertThat(in).as("secateur.gdsl is packaged with the DSL").isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        new GroovyShell().parse(text, "secateur.gdsl"); // compiles: IntelliJ runs it as a Groovy script
        var named = Pattern.compile("findClass\\('([^']+)'\\)").matcher(text);
        int classes = 0;
        while (named.find()) {
            Class.forName(named.group(1));
            classes++;
        }
        assertThat(classes).isEqualTo(2);
        assertThat(text).contains("dev.secateur.dsl.SecateurScript").contains("dev.secateur.dsl.Dsl");
    }

    @Test
    void everyBlockMethodTellsTheEditorItsDelegate() throws NoSuchMethodException {
        // IntelliJ completes inside a closure from @DelegatesTo; every closure form must carry it
        for (var type : new Class<?>[]{SecateurScript.class, ExperimentBuilder.class}) {
            for (var method : type.getMethods()) {
                for (var parameter : method.getParameters()) {
                    if (parameter.getType() == Closure.class) {
                        assertThat(parameter.getAnnotation(DelegatesTo.class))
                                .as("%s.%s has @DelegatesTo", type.getSimpleName(), method.getName()).isNotNull();
                    }
                }
            }
        }
    }
}
