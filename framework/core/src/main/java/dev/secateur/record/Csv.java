package dev.secateur.record;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * The rows of a file with a header, each by column name; an empty cell is an absent value, and a last row
     * still being written is left out. No file: no rows.
     */
    static List<Map<String, String>> read(Path csv) {
        if (!Files.isRegularFile(csv)) {
            return List.of();
        }
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            var rows = new ArrayList<Map<String, String>>();
            for (var record : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
                if (!record.isConsistent()) {
                    continue;
                }
                var row = new LinkedHashMap<String, String>();
                record.toMap().forEach((column, value) -> row.put(column, value.isEmpty() ? null : value));
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
        }
    }
}
