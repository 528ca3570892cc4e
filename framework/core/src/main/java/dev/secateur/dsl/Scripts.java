package dev.secateur.dsl;

import groovy.lang.Closure;

/** Groovy closure plumbing shared by the builders. */
final class Scripts {

    private Scripts() {
    }

    /** Calls a closure with a builder as its only delegate, as {@code @DelegatesTo(DELEGATE_ONLY)} promises. */
    static <T> T callWith(Closure<?> body, T builder) {
        var copy = (Closure<?>) body.clone();
        copy.setResolveStrategy(Closure.DELEGATE_ONLY);
        copy.setDelegate(builder);
        copy.call(builder);
        return builder;
    }
}
