package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads each kind of data source into {@link RawExamples}: NumPy arrays, CSV tables, image folders and CIFAR-10. */
final class DataSources {

    private DataSources() {
    }

    static RawExamples.Read read(DataSpec.Source source) {
        if (source instanceof DataSpec.Npy npy) {
            return npy(npy);
        }
        if (source instanceof DataSpec.Npz npz) {
            return npz(npz);
        }
        if (source instanceof DataSpec.Csv csv) {
            return csv(csv);
        }
        if (source instanceof DataSpec.ImageFolder images) {
            return images(images);
        }
        if (source instanceof DataSpec.Cifar10 cifar) {
            return cifar10(cifar);
        }
        throw new IllegalArgumentException("not a file source: " + source);
    }

    private static RawExamples.Read npy(DataSpec.Npy npy) {
        var files = new ArrayList<DataFile>();
        var train = arrays(NpyFile.read(existing(npy.x(), "x")), NpyFile.read(existing(npy.y(), "y")), npy.layout(), "train");
        files.add(DataFile.of(npy.x()));
        files.add(DataFile.of(npy.y()));
        RawExamples test = null;
        if (npy.testX() != null) {
            test = arrays(NpyFile.read(existing(npy.testX(), "testX")), NpyFile.read(existing(npy.testY(), "testY")), npy.layout(),
                    "test");
            files.add(DataFile.of(npy.testX()));
            files.add(DataFile.of(npy.testY()));
        }
        return new RawExamples.Read(train, test, "arrays " + npy.x() + " and " + npy.y(), List.of(), 0, files, null);
    }

    private static RawExamples.Read npz(DataSpec.Npz npz) {
        var file = existing(npz.file(), "npz");
        var train = arrays(NpzFile.read(file, npz.x()), NpzFile.read(file, npz.y()), npz.layout(), "train");
        var test = npz.testX() == null ? null
                : arrays(NpzFile.read(file, npz.testX()), NpzFile.read(file, npz.testY()), npz.layout(), "test");
        return new RawExamples.Read(train, test, "arrays in " + file, List.of(), 0, List.of(DataFile.of(file)), null);
    }

    /** Inputs {@code [N, F]}, {@code [N, H, W]} or {@code [N, C, H, W]} (or NHWC) and labels {@code [N]}. */
    static RawExamples arrays(NpyFile.NpyArray x, NpyFile.NpyArray y, DataSpec.Layout layout, String split) {
        int[] shape = x.shape();
        if (shape.length < 2 || shape.length > 4) {
            throw new BadInputException(x.source() + " has shape " + describe(shape) + "; inputs must be [N, F] features, "
                    + "[N, H, W] grey images or [N, C, H, W] images (with layout: 'nhwc', [N, H, W, C])");
        }
        if (Arrays.stream(shape).anyMatch(size -> size == 0)) {
            throw new BadInputException(x.source() + " has shape " + describe(shape) + ", with no " + (shape[0] == 0
                    ? "examples" : "values in an example") + "; a split needs at least one example of at least one value");
        }
        int n = shape[0];
        InputShape example;
        boolean channelsLast = layout == DataSpec.Layout.NHWC && shape.length == 4;
        if (shape.length == 2) {
            example = InputShape.features(shape[1]);
        } else if (shape.length == 3) {
            example = InputShape.image(1, shape[1], shape[2]);
        } else if (channelsLast) {
            example = InputShape.image(shape[3], shape[1], shape[2]);
        } else {
            example = InputShape.image(shape[1], shape[2], shape[3]);
        }
        int[] labels = labels(y, n, x.source());
        String name = x.source() + " with " + y.source() + " (" + split + ")";
        if (x.uint8() != null) {
            byte[] values = channelsLast ? toChannelsFirst(x.uint8(), n, (InputShape.Image) example) : x.uint8();
            return new RawExamples(name, example, values, null, labels);
        }
        float[] values = x.floats() != null ? x.floats() : toFloats(x.integers());
        for (int i = 0; i < values.length; i++) { // in the file's order, so the index is the one NumPy shows
            if (!Float.isFinite(values[i])) {
                throw new BadInputException(x.source() + " holds " + values[i] + " at example " + i / example.size() + ", value "
                        + i % example.size() + " of its " + example.size() + "; inputs must be finite numbers, so replace or "
                        + "drop that example");
            }
        }
        if (channelsLast) {
            values = toChannelsFirst(values, n, (InputShape.Image) example);
        }
        return new RawExamples(name, example, null, values, labels);
    }

    private static int[] labels(NpyFile.NpyArray y, int n, String inputs) {
        int[] shape = y.shape();
        if (!(shape.length == 1 || shape.length == 2 && shape[1] == 1)) {
            throw new BadInputException(y.source() + " has shape " + describe(shape) + "; labels must be one class index per "
                    + "example, [N] (not one-hot: use y.argmax(1))");
        }
        if (shape[0] != n) {
            throw new BadInputException(y.source() + " has " + shape[0] + " labels but " + inputs + " has " + n
                    + " examples; x and y must have one row per example, in the same order");
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double value = y.uint8() != null ? y.uint8()[i] & 0xff : y.integers() != null ? y.integers()[i] : y.floats()[i];
            if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
                throw new BadInputException(y.source() + " holds " + value + " at index " + i + "; labels must be whole class "
                        + "indices 0, 1, 2, …, so write them as integers (y.astype('int64'))");
            }
            labels[i] = (int) value;
        }
        return labels;
    }

    private static float[] toFloats(long[] integers) {
        float[] values = new float[integers.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = integers[i];
        }
        return values;
    }

    private static byte[] toChannelsFirst(byte[] hwc, int n, InputShape.Image shape) {
        int c = shape.channels();
        int plane = shape.height() * shape.width();
        byte[] chw = new byte[hwc.length];
        for (int e = 0, base = 0; e < n; e++, base += plane * c) {
            for (int p = 0; p < plane; p++) {
                for (int k = 0; k < c; k++) {
                    chw[base + k * plane + p] = hwc[base + p * c + k];
                }
            }
        }
        return chw;
    }

    private static float[] toChannelsFirst(float[] hwc, int n, InputShape.Image shape) {
        int c = shape.channels();
        int plane = shape.height() * shape.width();
        float[] chw = new float[hwc.length];
        for (int e = 0, base = 0; e < n; e++, base += plane * c) {
            for (int p = 0; p < plane; p++) {
                for (int k = 0; k < c; k++) {
                    chw[base + k * plane + p] = hwc[base + p * c + k];
                }
            }
        }
        return chw;
    }

    private static RawExamples.Read csv(DataSpec.Csv csv) {
        var trainTable = CsvTable.read(existing(csv.file(), "csv"), csv.label());
        var testTable = csv.test() == null ? null : CsvTable.read(existing(csv.test(), "test"), csv.label());
        if (testTable != null && !testTable.featureNames().equals(trainTable.featureNames())) {
            throw new BadInputException(csv.test() + " has the columns " + testTable.featureNames() + " but " + csv.file()
                    + " has " + trainTable.featureNames() + "; the test table needs the training table's feature columns, in order");
        }
        // integers are class indices; anything else names the classes, numbered in the order they first appear
        boolean indices = integers(trainTable.labels()) && (testTable == null || integers(testTable.labels()));
        var names = new LinkedHashMap<String, Integer>();
        var train = table(trainTable, csv.label(), indices, names);
        var test = testTable == null ? null : table(testTable, csv.label(), indices, names);
        var files = new ArrayList<DataFile>();
        files.add(DataFile.of(csv.file()));
        if (csv.test() != null) {
            files.add(DataFile.of(csv.test()));
        }
        return new RawExamples.Read(train, test, "table " + csv.file() + " (label column '" + csv.label() + "')",
                List.copyOf(names.keySet()), 0, files, null);
    }

    private static boolean integers(List<String> labels) {
        for (String label : labels) {
            if (!label.matches("-?\\d{1,9}")) {
                return false;
            }
        }
        return true;
    }

    private static RawExamples table(CsvTable.Table table, String column, boolean indices, Map<String, Integer> names) {
        int[] labels = new int[table.rows()];
        for (int i = 0; i < labels.length; i++) {
            String label = table.labels().get(i);
            if (indices) {
                labels[i] = Integer.parseInt(label);
                if (labels[i] < 0) {
                    throw new BadInputException("CSV file " + table.source() + ", line " + table.lines()[i] + ", column '" + column
                            + "': label " + label + " is negative; integer "
                            + "labels are class indices 0, 1, 2, …, or write the classes' names instead");
                }
            } else {
                labels[i] = names.computeIfAbsent(label, k -> names.size());
            }
        }
        return new RawExamples("CSV file " + table.source(), InputShape.features(table.featureNames().size()), null, table.features(),
                labels, table.lines());
    }

    private static RawExamples.Read images(DataSpec.ImageFolder folder) {
        Path root = folder.dir();
        if (!Files.isDirectory(root)) {
            throw new BadInputException("image folder " + root + " does not exist or is not a directory; give a directory "
                    + "holding train/<class>/*.png and test/<class>/*.png (or <class>/*.png with testFraction: 0.2)");
        }
        Path trainDir = root.resolve("train");
        Path testDir = root.resolve("test");
        // dir/train and dir/test, or dir/train alone or dir/<class> with testFraction
        boolean split = Files.isDirectory(trainDir);
        boolean tested = split && Files.isDirectory(testDir);
        var train = ImageFolder.read(split ? trainDir : root, folder.height(), folder.width(), folder.channels());
        ImageFolder.Images test = null;
        if (tested) {
            // in the training split's class order and channels, and resized only where size: asks for it, so that
            // test images of another size are refused rather than quietly resized
            test = ImageFolder.read(testDir, train.classes(), folder.height(), folder.width(), train.channels());
        }
        var files = new ArrayList<DataFile>();
        files.add(DataFile.folder(split ? trainDir : root, train.files()));
        if (test != null) {
            files.add(DataFile.folder(testDir, test.files()));
        }
        return new RawExamples.Read(images(train), test == null ? null : images(test),
                "images in " + root + " (" + train.classes().size() + " classes, " + train.channels() + "×" + train.height() + "×"
                        + train.width() + ")", train.classes(), train.classes().size(), files, null);
    }

    private static RawExamples images(ImageFolder.Images images) {
        return new RawExamples(images.source(), InputShape.image(images.channels(), images.height(), images.width()),
                images.pixels(), null, images.labels());
    }

    private static RawExamples.Read cifar10(DataSpec.Cifar10 cifar) {
        var train = Cifar10Files.train(cifar.dir());
        var test = Cifar10Files.test(cifar.dir());
        var files = new ArrayList<DataFile>();
        train.files().forEach(file -> files.add(DataFile.of(file)));
        test.files().forEach(file -> files.add(DataFile.of(file)));
        var shape = InputShape.image(Cifar10Files.CHANNELS, Cifar10Files.SIDE, Cifar10Files.SIDE);
        return new RawExamples.Read(new RawExamples(train.source(), shape, train.pixels(), null, train.labels()),
                new RawExamples(test.source(), shape, test.pixels(), null, test.labels()), "cifar-10 binary " + cifar.dir(),
                Cifar10Files.classNames(cifar.dir()), Cifar10Files.CLASSES, files, null);
    }

    private static Path existing(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("data file " + file + " (" + option + ":) does not exist or is not a file; check the path, "
                    + "which is read relative to the directory bin/secateur runs in");
        }
        return file;
    }

    private static String describe(int[] shape) {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return text.append(']').toString();
    }
}
