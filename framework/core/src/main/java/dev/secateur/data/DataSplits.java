package dev.secateur.data;

/**
 * The training and test sets of one experiment, with where they came from.
 *
 * @param source a human-readable origin, such as the directory or "embedded subset"
 * @param sha256 a digest of the raw IDX bytes that were read, before any subset was taken
 */
public record DataSplits(Dataset train, Dataset test, String source, String sha256) {
}
