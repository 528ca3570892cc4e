package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.plugin.ExitGuard;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A script cannot end the process however it spells the call, because the exit guard checks at the call;
 * the compile-time check only catches the literal spellings, with a friendlier message. Without the guard
 * this test JVM would end.
 */
class ScriptExitTest {

    @BeforeAll
    static void guard() {
        assertThat(ExitGuard.install().active()).isTrue();
    }

    private static Object run(String name, String text) {
        return ScriptRunner.compile(text, Path.of(name)).run(null, List.of());
    }

    @Test
    void aLiteralSystemExitIsRefusedWhenTheScriptCompiles() {
        assertThatThrownBy(() -> run("literal.groovy", "println 'x'\nSystem.exit(0)\n"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("literal.groovy:2").hasMessageContaining("System.exit");
    }

    @Test
    void exitsTheCompileTimeCheckCannotSeeAreRefusedAtTheCallWithTheScriptLine() {
        for (var text : List.of(
                "def a = 1\nRuntime.runtime.exit(0)\n",
                "def a = 1\nRuntime.runtime.\"${'ha' + 'lt'}\"(0)\n",
                "def a = 1\nRuntime.getMethod('exit', int).invoke(Runtime.runtime, 0)\n",
                "def a = 1\nSystem.invokeMethod('ex' + 'it', 0)\n")) {
            assertThatThrownBy(() -> run("dynamic.groovy", text)).as(text)
                    .isInstanceOf(BadInputException.class).hasMessageContaining("dynamic.groovy:2")
                    .hasMessageContaining("tried to end the process");
        }
    }

    @Test
    void aThreadTheScriptStartsCannotEndTheProcessEvenWithNoScriptCodeOnItsStack() {
        var result = run("thread.groovy", """
                Throwable failure = null
                def thread = new Thread(Runtime.runtime.&halt.curry(9))
                thread.uncaughtExceptionHandler = { t, e -> failure = e } as Thread.UncaughtExceptionHandler
                thread.start()
                thread.join()
                failure.message
                """);
        assertThat(result).asString().contains("a thread started by plugin or script code").contains("exit status 9");
    }
}
