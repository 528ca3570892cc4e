package dev.secateur.model;

import dev.secateur.spi.ParamRef;
import java.util.List;
import java.util.Objects;

/**
 * Output units that can only be removed together, and everything that removing them touches: the layers
 * that produce them (one, or several joined by a residual add), the per-channel parameters after them
 * (batch normalisation), and the layers that read them (their matching inputs go too).
 *
 * @param id        the group's name: its first producer's weights, such as {@code 0_W}; scopes and
 *                  sensitivity curves use it
 * @param units     how many units (filters, neurons or attention heads) each producer has
 * @param producers the layers whose outputs are the units
 * @param coupled   per-unit parameters of later layers that go with the units (batch normalisation)
 * @param consumers the layers that read the units, and how many of their input rows each unit feeds
 * @param keptWhole why the units cannot be removed, or null if they can
 */
public record UnitGroup(String id, long units, List<PrunableParam> producers, List<ParamRef> coupled,
                        List<Consumer> consumers, String keptWhole) {

    public UnitGroup {
        Objects.requireNonNull(id, "id");
        producers = List.copyOf(producers);
        coupled = List.copyOf(coupled);
        consumers = List.copyOf(consumers);
    }

    /**
     * A layer that reads a group's units.
     *
     * @param rowsPerUnit input rows per unit: 1, or H·W for a dense layer after a flatten, where unit c
     *                    feeds rows c·H·W .. (c+1)·H·W − 1 (DL4J's channel-major flatten order), or an attention
     *                    head's width w for the layer reading the heads, where head h feeds rows h·w .. (h+1)·w − 1
     * @param offset      the channel where the group's units start among the consumer's inputs: 0, or the
     *                    position of the group's block after a concatenation (merge vertex)
     */
    public record Consumer(PrunableParam param, int rowsPerUnit, int offset) {
        public Consumer(PrunableParam param, int rowsPerUnit) {
            this(param, rowsPerUnit, 0);
        }
    }

    /**
     * The key of a coupled parameter that holds one filter per channel rather than one value: a depthwise
     * convolution's weights, [kH, kW, C, 1] in DL4J, whose channel c is axis 2. Every other coupled parameter
     * (batch-norm scale, shift and statistics, a depthwise bias) holds one value per channel.
     */
    public static final String CHANNEL_FILTERS = "W";

    /** Whether a coupled parameter holds a filter per channel, not a value: it is sliced, never masked. */
    public static boolean isChannelFilters(ParamRef coupled) {
        return coupled.key().equals(CHANNEL_FILTERS);
    }

    public boolean removable() {
        return keptWhole == null;
    }

    /** The group's weights parameter, under which scopes and sensitivity curves name it. */
    public ParamRef ref() {
        return producers.get(0).weights();
    }
}
