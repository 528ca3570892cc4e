package dev.secateur.data;

import dev.secateur.spec.Preprocessing;
import java.util.List;

/**
 * The training and test sets of one experiment, with where they came from.
 *
 * @param source  a human-readable origin, such as the directory or "embedded subset"
 * @param sha256  a digest of what was read, before any subset was taken: of the decoded pixels and labels for IDX
 *                files, and of the files' own digests for every other source
 * @param details the shape, classes, files and preprocessing, for spec.json
 */
public record DataSplits(Dataset train, Dataset test, String source, String sha256, Details details) {

    /** Splits with no record of their files, as tests build them. */
    public DataSplits(Dataset train, Dataset test, String source, String sha256) {
        this(train, test, source, sha256, new Details(train.shape(), train.classCount(), List.of(), List.of(), Preprocessing.DEFAULT,
                null));
    }

    /**
     * What spec.json records about the data beyond its source.
     *
     * @param classNames      the classes' names by index, where the source names them (CSV, image folders, CIFAR-10); empty otherwise
     * @param files           every file read, with its SHA-256
     * @param preprocessing   the preprocessing applied, its automatic scale resolved
     * @param standardization the training split's mean and std per channel, or null without {@code standardize: true}
     */
    public record Details(InputShape shape, int classes, List<String> classNames, List<DataFile> files, Preprocessing preprocessing,
                          Standardization standardization) {
        public Details {
            classNames = List.copyOf(classNames);
            files = List.copyOf(files);
        }
    }
}
