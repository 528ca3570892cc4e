package dev.secateur.spi;

/**
 * Where a pruning decision came from, so a mask can be traced to the code and seed that made it.
 *
 * @param saliency        the saliency plugin id
 * @param saliencyVersion its plugin version
 * @param options         the options it was given
 * @param schedule        the schedule plugin id
 * @param scheduleVersion its plugin version
 * @param seed            the experiment seed
 */
public record Provenance(String saliency, String saliencyVersion, Options options,
                         String schedule, String scheduleVersion, long seed) {
}
