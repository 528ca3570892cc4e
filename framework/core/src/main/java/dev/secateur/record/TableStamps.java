package dev.secateur.record;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that every table of figures on a results page says where its figures came from: the line under it
 * (one blank line allowed) is a stamp naming a commit and a date. A table {@code bin/secateur table} made
 * carries its own stamp ({@link RunTable#STAMP_START}); a table kept from before it, typed by hand, carries
 * one that starts {@code <sub>Typed by hand} and names the commit that recorded it, and sits under a heading (the
 * nearest {@code #} heading above it) that names that commit too, so that a reader skimming the page sees it is not
 * today's code. A table without a measured figure in its body (an index of pages, whose years and step numbers are
 * not measurements) needs none. Tables in fenced code are examples.
 */
public final class TableStamps {

    /** The opening of a stamp on a table kept from before figures were generated. */
    public static final String HAND_STAMP_START = "<sub>Typed by hand";

    private static final Pattern DELIMITER = Pattern.compile("^\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?\\s*$");
    private static final Pattern COMMIT = Pattern.compile("commits? ([0-9a-f]{7,40})\\b");
    /** A measured figure: a percentage, a rate, a decimal, a signed difference or a count with thousands; not a year or a step. */
    private static final Pattern FIGURE = Pattern.compile("\\d\\s*[%×]|\\d\\.\\d|\\d,\\d{3}|[+−]\\d");
    private static final Pattern DATE = Pattern.compile("\\b\\d{4}-\\d{2}-\\d{2}\\b");
    /** A Markdown (ATX) heading: up to three spaces, one to six #, then a space or the end of the line. */
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}(\\s|$)");

    /** One table on a page. */
    public record Table(Path page, int line, Kind kind, boolean dirty, String problem) {

        public boolean stamped() {
            return problem == null;
        }

        /** For a message: the page and line, then what is wrong, or that the build had uncommitted changes. */
        public String describe() {
            return page + ":" + line + ": " + (problem != null ? problem : dirty
                    ? "stamped from runs of a build with uncommitted changes (-dirty): no commit holds that code exactly"
                    : kind.name().toLowerCase());
        }
    }

    /** How a table came to be: made by {@code bin/secateur table}, typed by hand before it, or not stamped. */
    public enum Kind { GENERATED, BY_HAND, UNSTAMPED }

    private TableStamps() {
    }

    /** Every table with figures on the pages: Markdown files, or directories of them (not descending). */
    public static List<Table> check(List<Path> pagesOrDirs) {
        var tables = new ArrayList<Table>();
        for (Path path : pagesOrDirs) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> pages = Files.list(path)) {
                    pages.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(p -> tables.addAll(page(p)));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(path)) {
                tables.addAll(page(path));
            } else {
                throw new BadInputException(path + " does not exist; give Markdown pages or directories of them, such as docs/results");
            }
        }
        return tables;
    }

    /** The tables with figures on one page, each with its stamp's kind or what is wrong with it. */
    public static List<Table> page(Path page) {
        List<String> lines;
        try {
            lines = Files.readAllLines(page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + page + ": " + e.getMessage(), e);
        }
        var tables = new ArrayList<Table>();
        boolean fenced = false;
        String heading = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("```") || line.startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced && HEADING.matcher(lines.get(i)).find()) {
                heading = line;
                continue;
            }
            if (fenced || !line.startsWith("|") || i + 1 >= lines.size() || !DELIMITER.matcher(lines.get(i + 1).strip()).matches()) {
                continue;
            }
            int start = i;
            boolean figures = false;
            int end = i + 2;
            while (end < lines.size() && lines.get(end).strip().startsWith("|")) {
                figures |= FIGURE.matcher(lines.get(end)).find();
                end++;
            }
            i = end - 1;
            if (!figures) {
                continue;
            }
            int next = end;
            if (next < lines.size() && lines.get(next).isBlank()) {
                next++;
            }
            String stamp = next < lines.size() ? lines.get(next).strip() : "";
            tables.add(judge(page, start + 1, stamp, heading));
        }
        return tables;
    }

    private static Table judge(Path page, int line, String stamp, String heading) {
        Kind kind = stamp.startsWith(RunTable.STAMP_START) ? Kind.GENERATED : stamp.startsWith(HAND_STAMP_START) ? Kind.BY_HAND : Kind.UNSTAMPED;
        if (kind == Kind.UNSTAMPED) {
            return new Table(page, line, kind, false, "the table has no stamp on the line below it; make it with bin/secateur table "
                    + "RUNS --markdown, which writes one, or, for a table kept from before, add '" + HAND_STAMP_START
                    + " ... commit <hash> (<date>) ...</sub>'");
        }
        var commit = COMMIT.matcher(stamp);
        if (!commit.find() || kind == Kind.GENERATED && stamp.contains("unrecorded")) {
            return new Table(page, line, kind, false, "the table's stamp names no commit (such as 'commit 03f5266'): its runs, or some of them, recorded none, "
                    + "so run them again with this build and make the table again");
        }
        if (!DATE.matcher(stamp).find()) {
            return new Table(page, line, kind, false, "the table's stamp names no date (such as 2026-12-06)");
        }
        if (kind == Kind.BY_HAND && !heading.contains(commit.group(1))) {
            return new Table(page, line, kind, false, "the table was typed by hand from commit " + commit.group(1) + ", but "
                    + (heading.isEmpty() ? "no heading is above it" : "the heading above it ('" + heading + "') does not say so")
                    + "; keep such a table under a heading that names its commit, such as '### Earlier runs (commit " + commit.group(1)
                    + ")', or make it again with bin/secateur table");
        }
        return new Table(page, line, kind, kind == Kind.GENERATED && stamp.contains("-dirty"), null);
    }
}
