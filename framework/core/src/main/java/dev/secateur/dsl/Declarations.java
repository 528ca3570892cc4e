package dev.secateur.dsl;

import dev.secateur.spec.SourceLocation;
import java.util.Optional;

/** Finds the script line that is calling into the DSL, so errors found later can point at it. */
final class Declarations {

    private static final StackWalker WALKER = StackWalker.getInstance();

    private Declarations() {
    }

    /** The innermost frame from a Groovy script, if the caller is one. */
    static Optional<SourceLocation> caller() {
        return WALKER.walk(frames -> frames
                .filter(f -> f.getFileName() != null && f.getFileName().endsWith(".groovy") && f.getLineNumber() > 0)
                .findFirst()
                .map(f -> new SourceLocation(f.getFileName(), f.getLineNumber())));
    }
}
