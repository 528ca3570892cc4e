package dev.secateur.dsl;

import dev.secateur.bus.RunFailedException;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.errors.ExitRefusedException;
import dev.secateur.errors.GroovyErrors;
import dev.secateur.errors.ScriptFailedException;
import groovy.lang.Binding;
import groovy.lang.Closure;
import groovy.lang.GroovyObjectSupport;
import groovy.lang.GroovyShell;
import groovy.lang.MissingMethodException;
import groovy.lang.MissingPropertyException;
import groovy.lang.Script;
import groovy.transform.ThreadInterrupt;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.codehaus.groovy.ast.expr.MethodCallExpression;
import org.codehaus.groovy.ast.expr.StaticMethodCallExpression;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.customizers.ASTTransformationCustomizer;
import org.codehaus.groovy.control.customizers.ImportCustomizer;
import org.codehaus.groovy.control.customizers.SecureASTCustomizer;
import org.codehaus.groovy.runtime.InvokerHelper;
import org.codehaus.groovy.runtime.InvokerInvocationException;

/**
 * Compiles and runs a Secateur script. The compiler configuration is part of the DSL: the base class,
 * the imports users need, an interrupt check for runaway loops, and errors that give the script's file
 * and line.
 */
public final class ScriptRunner {

    private final ExperimentRunner runner;

    public ScriptRunner(ExperimentRunner runner) {
        this.runner = runner;
    }

    public static CompilerConfiguration compilerConfiguration() {
        return compilerConfiguration(new AtomicInteger());
    }

    /** The same; {@code exitLine} receives the line of a refused {@code System.exit}. */
    private static CompilerConfiguration compilerConfiguration(AtomicInteger exitLine) {
        var imports = new ImportCustomizer()
                .addStaticStars(Dsl.class.getName())
                .addStarImports("dev.secateur.dsl");
        var config = new CompilerConfiguration();
        config.setScriptBaseClass(SecateurScript.class.getName());
        config.addCompilationCustomizers(imports, new ASTTransformationCustomizer(ThreadInterrupt.class), noExit(exitLine));
        return config;
    }

    /**
     * Refuses {@code System.exit} and {@code Runtime.halt/exit} where they are written: they would end the
     * JVM with a code of the script's choosing, skipping the run's failure marker and the documented codes.
     */
    private static SecureASTCustomizer noExit(AtomicInteger exitLine) {
        var secure = new SecureASTCustomizer();
        secure.setIndirectImportCheckEnabled(false);
        secure.addExpressionCheckers(expression -> {
            boolean exits = false;
            if (expression instanceof MethodCallExpression call) {
                String method = call.getMethodAsString();
                String receiver = call.getObjectExpression().getText();
                exits = ("exit".equals(method) || "halt".equals(method))
                        && (receiver.equals("System") || receiver.equals("java.lang.System") || receiver.contains("getRuntime"));
            } else if (expression instanceof StaticMethodCallExpression call) {
                exits = "exit".equals(call.getMethod()) && call.getOwnerType().getName().equals("java.lang.System");
            }
            if (exits) {
                exitLine.compareAndSet(0, expression.getLineNumber());
            }
            return !exits;
        });
        return secure;
    }

    /** A script that compiled; run it with {@link #run}. */
    public record Compiled(Path script, Class<? extends Script> type) {

        /** Runs the script with {@code args} bound as {@code args} and {@code runner} behind {@code run(spec)}. */
        public Object run(ExperimentRunner runner, List<String> args) {
            return run(runner, args, null);
        }

        /** The same, with the script's {@code println} going to {@code out}. */
        public Object run(ExperimentRunner runner, List<String> args, PrintWriter out) {
            var binding = new Binding();
            if (out != null) {
                binding.setVariable("out", out);
            }
            binding.setVariable(SecateurScript.RUNNER, runner);
            binding.setVariable("args", args.toArray(String[]::new));
            var instance = InvokerHelper.createScript(type, binding);
            try {
                return instance.run();
            } catch (InvokerInvocationException e) {
                throw located(script, e.getCause() == null ? e : e.getCause());
            } catch (Exception e) {
                // Groovy rethrows checked exceptions (a missing file's IOException) undeclared
                throw located(script, e);
            }
        }
    }

    /**
     * Compiles a script, so that a syntax error is reported before anything starts.
     *
     * @throws BadInputException for a missing file or a compile error, with the file, line and column
     */
    public static Compiled compile(Path script) {
        if (!Files.isRegularFile(script)) {
            throw new BadInputException("script " + script + " does not exist; give the path of a .groovy file, "
                    + "for example scripts/quickstart.groovy");
        }
        String source;
        try {
            source = Files.readString(script);
        } catch (IOException e) {
            throw new BadInputException("cannot read script " + script + ": " + e.getMessage());
        }
        return compile(source, script);
    }

    /**
     * Compiles a script's text; {@code script} names it in errors and stack frames (for a script that came
     * over HTTP, its file name).
     */
    public static Compiled compile(String source, Path script) {
        var exitLine = new AtomicInteger();
        var shell = new GroovyShell(ScriptRunner.class.getClassLoader(), new Binding(), compilerConfiguration(exitLine));
        // a byte-order mark is valid UTF-8 that some editors write; Groovy's parser would call it a syntax error
        String text = source.startsWith("\uFEFF") ? source.substring(1) : source;
        try {
            return new Compiled(script, shell.parse(text, GroovyErrors.sourceName(script)).getClass());
        } catch (MultipleCompilationErrorsException e) {
            if (exitLine.get() > 0) {
                throw new BadInputException(script + ":" + exitLine.get() + ": System.exit is not allowed in a script; a script "
                        + "ends after its last line, a failed run already exits 1 and bad input 2 (docs/cli.md), and to stop "
                        + "early, throw an exception or return");
            }
            throw new BadInputException(GroovyErrors.describe(script, e, "fix the script and run it again"));
        } catch (CompilationFailedException e) {
            throw new BadInputException(GroovyErrors.describe(script, e, "fix the script and run it again"));
        }
    }

    /** Compiles and runs a script. */
    public Object run(Path script, List<String> args) {
        return compile(script).run(runner, args);
    }


    /** Turns an error thrown while the script ran into one that names the script line. */
    private static RuntimeException located(Path script, Throwable error) {
        String where = lineIn(error, GroovyErrors.sourceName(script)).map(line -> script + ":" + line + ": ").orElse(script + ": ");
        if (error instanceof RunFailedException failed) {
            // the run's own message names the declaration it concerns
            return new RunFailedException(failed.code(), failed.getMessage().contains("(at ")
                    ? failed.getMessage() : where + failed.getMessage(), failed);
        }
        if (error instanceof BadInputException) {
            return new BadInputException(where + error.getMessage(), error);
        }
        if (error instanceof MissingMethodException missing) {
            return new BadInputException(where + unknownMethod(missing), error);
        }
        if (error instanceof MissingPropertyException missing) {
            return new BadInputException(where + "unknown name '" + missing.getProperty() + "'; check its spelling, "
                    + "or declare it with def", error);
        }
        if (error instanceof IOException io) {
            // a file the script reads that is missing or unreadable: the user's input
            return new BadInputException(where + "the script could not read a file: " + io
                    + "; check the path (relative paths start from the directory bin/secateur runs in)", error);
        }
        for (var cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ExitRefusedException) {
                // the script tried to end the process, however it spelled the call (reflection wraps it)
                return new BadInputException(where + cause.getMessage(), error);
            }
        }
        if (error instanceof InterruptedException) {
            return new ScriptFailedException(where + "the script was stopped", error);
        }
        if (thrownByScript(error, GroovyErrors.sourceName(script))) {
            // the script's own code threw: a mistake in the script, reported where it happened
            return new BadInputException(where + "the script threw " + error + "; fix the script at that line", error);
        }
        // thrown inside Secateur: a bug, reported as one (exit 1), with the line that led to it
        return new ScriptFailedException(where + error, error);
    }

    /** Whether the first frame outside the JDK and Groovy's runtime is the script's own. */
    private static boolean thrownByScript(Throwable error, String fileName) {
        for (var frame : error.getStackTrace()) {
            String type = frame.getClassName();
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.") || type.startsWith("groovy.")
                    || type.startsWith("org.codehaus.groovy.") || type.startsWith("org.apache.groovy.")) {
                continue;
            }
            return fileName.equals(frame.getFileName());
        }
        return false;
    }

    private static String unknownMethod(MissingMethodException missing) {
        var type = missing.getType();
        Set<String> names = type == null ? new TreeSet<>() : publicMethods(type);
        // the values a script passes (fashionMnist(), filters(), global() ...) are callable everywhere
        names.addAll(publicMethods(Dsl.class));
        String where = type == null ? "" : " in " + describe(type);
        String given = Arrays.stream(missing.getArguments())
                .map(a -> a == null ? "null" : a instanceof Closure ? "{ ... }" : a.getClass().getSimpleName())
                .collect(Collectors.joining(", ", "(", ")"));
        if (names.contains(missing.getMethod())) {
            return "'" + missing.getMethod() + "'" + where + " does not take " + given + "; see the DSL reference in docs/dsl.md";
        }
        return "'" + missing.getMethod() + "' is not a method" + where
                + ClosestMatch.didYouMean(missing.getMethod(), names)
                + "; see the DSL reference in docs/dsl.md";
    }

    private static Set<String> publicMethods(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getDeclaringClass() != Object.class
                        && m.getDeclaringClass() != Script.class && m.getDeclaringClass() != GroovyObjectSupport.class
                        && !m.getName().contains("$") && !m.getName().equals("methodMissing"))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String describe(Class<?> type) {
        if (type == ExperimentBuilder.class) {
            return "an experiment block";
        }
        if (type == ModelBuilder.class) {
            return "a model block";
        }
        if (type == ScheduleBuilder.class || type == FinetuneBuilder.class || type == EvaluateBuilder.class
                || type == SensitivityBuilder.class || type == CompareBuilder.class) {
            return "a " + type.getSimpleName().replace("Builder", "").toLowerCase(Locale.ROOT) + " block";
        }
        if (SecateurScript.class.isAssignableFrom(type)) {
            return "a script";
        }
        return type.getSimpleName();
    }

    private static Optional<Integer> lineIn(Throwable error, String fileName) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            for (var frame : t.getStackTrace()) {
                if (fileName.equals(frame.getFileName()) && frame.getLineNumber() > 0) {
                    return Optional.of(frame.getLineNumber());
                }
            }
        }
        return Optional.empty();
    }
}
