package dev.secateur.errors;

import dev.secateur.spi.Options;
import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
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
                + didYouMean(option, known);
    }

    /**
     * The message of a plugin's refusal of its options, with the nearest choice where a value is not among an
     * option's choices: "option 'norm' = 'lmap' is not one of l1, l2, lamp (did you mean 'lamp'?)".
     */
    public static String message(IllegalArgumentException refusal) {
        if (refusal instanceof Options.NotAChoice notAChoice) {
            return refusal.getMessage() + suggestion(notAChoice.value(), notAChoice.allowed());
        }
        return refusal.getMessage();
    }

    /** " (did you mean 'x'?)" where {@code value} is a misspelling of one of a few fixed choices, else "". */
    public static String suggestion(String value, Collection<String> choices) {
        return didYouMean(ofChoice(value.toLowerCase(Locale.ROOT), choices));
    }

    /** " (did you mean 'x'?)" with the nearest candidate by {@link #of}, else "". */
    public static String didYouMean(String name, Collection<String> candidates) {
        return didYouMean(of(name, candidates));
    }

    private static String didYouMean(Optional<String> nearest) {
        return nearest.map(c -> " (did you mean '" + c + "'?)").orElse("");
    }

    /**
     * Like {@link #of}, for a value among few short choices ('l1', 'l2', 'lamp'), where two edits turn almost
     * anything into something: the nearest only if no other choice is as near, and if fewer edits than the
     * value has letters.
     */
    private static Optional<String> ofChoice(String value, Collection<String> choices) {
        return of(value, choices).filter(nearest -> {
            int edits = DISTANCE.apply(value, nearest);
            return edits < value.length() && choices.stream().filter(c -> DISTANCE.apply(value, c) == edits).count() == 1;
        });
    }

    /** The nearest candidate, if it is within a third of the name's length (at least 2 edits). */
    public static Optional<String> of(String name, Collection<String> candidates) {
        int allowed = Math.max(2, name.length() / 3);
        return candidates.stream()
                .min(Comparator.comparingInt((String c) -> DISTANCE.apply(name, c)).thenComparing(c -> c))
                .filter(c -> DISTANCE.apply(name, c) <= allowed);
    }
}
