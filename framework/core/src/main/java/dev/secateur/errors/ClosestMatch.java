package dev.secateur.errors;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.text.similarity.LevenshteinDistance;

/** Suggests the known name nearest to a misspelt one. */
public final class ClosestMatch {

    private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

    private ClosestMatch() {
    }

    /** "{@code what} has no option 'x'; its options are a, b (did you mean 'a'?)". */
    public static String unknownOption(String what, String option, Collection<String> known) {
        return what + " has no option '" + option + "'; its options are "
                + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known)))
                + of(option, known).map(c -> " (did you mean '" + c + "'?)").orElse("");
    }

    /** The nearest candidate, if it is within a third of the name's length (at least 2 edits). */
    public static Optional<String> of(String name, Collection<String> candidates) {
        int allowed = Math.max(2, name.length() / 3);
        return candidates.stream()
                .min(Comparator.comparingInt((String c) -> DISTANCE.apply(name, c)).thenComparing(c -> c))
                .filter(c -> DISTANCE.apply(name, c) <= allowed);
    }
}
