package dev.secateur.record;

import org.apache.commons.csv.CSVFormat;

/**
 * The CSV dialect of every file in a run directory: RFC 4180 as commons-csv writes it (a value with a
 * comma, a quote or a line break is quoted), one record per line ending in {@code \n}.
 */
final class Csv {

    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get();

    private Csv() {
    }

    /** One record, without its line ending. */
    static String line(Object... cells) {
        return FORMAT.format(cells);
    }

    /** A header given as its column names. */
    static String header(String... columns) {
        return line((Object[]) columns);
    }
}
