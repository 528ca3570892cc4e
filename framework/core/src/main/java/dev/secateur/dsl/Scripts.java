package dev.secateur.dsl;

import groovy.lang.Closure;
import groovy.lang.MissingMethodException;

/** Groovy closure plumbing shared by the builders. */
final class Scripts {

    private Scripts() {
    }

    /** Calls a closure with a builder as its only delegate, as {@code @DelegatesTo(DELEGATE_ONLY)} promises. */
    static <T> T callWith(Closure<?> body, T builder) {
        var copy = (Closure<?>) body.clone();
        copy.setResolveStrategy(Closure.DELEGATE_ONLY);
        copy.setDelegate(builder);
        try {
            copy.call(builder);
        } catch (MissingMethodException e) {
            if (e.getType() != null && Closure.class.isAssignableFrom(e.getType())) {
                // name the builder the method was looked up on, not the closure class
                var named = new MissingMethodException(e.getMethod(), builder.getClass(), e.getArguments());
                named.setStackTrace(e.getStackTrace()); // keeps the script line of the call
                throw named;
            }
            throw e;
        }
        return builder;
    }
}
