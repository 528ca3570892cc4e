package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code compare { ... }} block: {@code criteria 'magnitude', 'taylor', 'obd', 'random'},
 * {@code criterion 'obs', mode: 'exact'} for one with options, {@code against 'oracle'},
 * {@code layer '2_W'} (repeatable; default every prunable layer) and {@code granularity filters()}.
 */
public final class CompareBuilder {

    private final List<SaliencySpec> criteria = new ArrayList<>();
    private SaliencySpec against = new SaliencySpec("oracle", Options.NONE);
    private final List<ParamRef> layers = new ArrayList<>();
    private Granularity granularity = Dsl.filters();

    public CompareBuilder criteria(String... ids) {
        for (String id : ids) {
            criteria.add(new SaliencySpec(id, Options.NONE));
        }
        return this;
    }

    public CompareBuilder criterion(Map<String, ?> options, String id) {
        criteria.add(new SaliencySpec(id, Options.of(options)));
        return this;
    }

    public CompareBuilder criterion(String id) {
        return criteria(id);
    }

    public CompareBuilder against(String id) {
        return against(Map.of(), id);
    }

    /** The reference with options: {@code against 'oracle', samples: 512}. */
    public CompareBuilder against(Map<String, ?> options, String id) {
        this.against = new SaliencySpec(id, Options.of(options));
        return this;
    }

    public CompareBuilder layer(String... refs) {
        for (String ref : refs) {
            layers.add(Dsl.param(ref));
        }
        return this;
    }

    public CompareBuilder granularity(Granularity granularity) {
        this.granularity = granularity;
        return this;
    }

    CompareSpec build() {
        if (criteria.isEmpty()) {
            throw new BadInputException("compare needs criteria, for example criteria 'magnitude', 'taylor', 'random'");
        }
        return NamedArgs.checked("compare", () -> new CompareSpec(criteria, against, layers, granularity));
    }
}
