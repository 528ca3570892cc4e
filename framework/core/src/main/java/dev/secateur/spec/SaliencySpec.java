package dev.secateur.spec;

import dev.secateur.spi.Options;
import java.util.Objects;

/** A saliency plugin id and the options given to it. */
public record SaliencySpec(String id, Options options) {
    public SaliencySpec {
        Objects.requireNonNull(id, "saliency id");
        Objects.requireNonNull(options, "options");
    }
}
