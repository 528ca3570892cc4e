package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stamp check on results pages: a table of figures without a stamp fails it. */
class TableStampsTest {

    @TempDir
    Path dir;

    private static final String TABLE = """
            | experiment | accuracy |
            |---|---:|
            | han-90 | 89.50% |
            """;

    private List<TableStamps.Table> check(String page) throws IOException {
        Path file = dir.resolve("page.md");
        Files.writeString(file, page);
        return TableStamps.check(List.of(dir));
    }

    @Test
    void aTableOfFiguresWithoutAStampFailsNamingItsPageAndLine() throws IOException {
        var tables = check("# Results\n\nSome text.\n\n" + TABLE + "\nMore text.\n");
        assertThat(tables).singleElement().satisfies(t -> {
            assertThat(t.stamped()).isFalse();
            assertThat(t.kind()).isEqualTo(TableStamps.Kind.UNSTAMPED);
            assertThat(t.describe()).startsWith(dir.resolve("page.md") + ":5: the table has no stamp");
        });
    }

    @Test
    void aGeneratedOrHandStampWithCommitAndDatePasses() throws IOException {
        var tables = check(TABLE + "\n" + RunTable.STAMP_START + " 'runs/han-*' --markdown` on 2026-12-06, from 3 runs made 2026-12-06 by commit "
                + "03f5266 on Test CPU</sub>\n\n## Earlier runs (commit 1c91fe2)\n\n" + TABLE + TableStamps.HAND_STAMP_START
                + " from runs of commit 1c91fe2 (2026-11-30).</sub>\n");
        assertThat(tables).extracting(TableStamps.Table::kind).containsExactly(TableStamps.Kind.GENERATED, TableStamps.Kind.BY_HAND);
        assertThat(tables).allSatisfy(t -> assertThat(t.stamped()).as(t.describe()).isTrue());
    }

    @Test
    void aStampWithoutACommitOrFromRunsThatRecordedNoneFails() throws IOException {
        var tables = check(TABLE + "\n" + TableStamps.HAND_STAMP_START + " long ago.</sub>\n\n"
                + TABLE + "\n" + RunTable.STAMP_START + " runs` on 2026-12-06, from 2 runs made 2026-12-06 by commit abc1234, unrecorded</sub>\n\n"
                + TABLE + "\n" + TableStamps.HAND_STAMP_START + " at commit abc1234.</sub>\n\n"
                + TABLE + "\n" + RunTable.STAMP_START + " runs` on 2026-12-06, from 2 runs made 2026-12-06 by commit abc1234-dirty</sub>\n");
        assertThat(tables).hasSize(4);
        assertThat(tables.subList(0, 3)).noneMatch(TableStamps.Table::stamped);
        assertThat(tables.get(0).problem()).contains("names no commit");
        assertThat(tables.get(1).problem()).contains("recorded none");
        assertThat(tables.get(2).problem()).contains("names no date");
        // a build with uncommitted changes still says where the figures came from: listed, not failed
        assertThat(tables.get(3).stamped()).isTrue();
        assertThat(tables.get(3).dirty()).isTrue();
        assertThat(tables.get(3).describe()).contains("uncommitted changes");
    }

    @Test
    void aHandTypedTableMustSitUnderAHeadingThatNamesItsCommit() throws IOException {
        String stamp = TableStamps.HAND_STAMP_START + " before it existed; last changed in commit 6b161c2 (2026-11-30).</sub>\n";
        var tables = check("## Earlier runs\n\n" + TABLE + stamp + "\n### The same on the code of 2026-11-30 (commit 6b161c2)\n\n"
                + TABLE + stamp + "\n```\n# a comment in code is not a heading\n```\n\n" + TABLE + stamp
                + "\n## Later, commit 1c91fe2\n\n" + TABLE + stamp);
        assertThat(tables).extracting(TableStamps.Table::stamped).containsExactly(false, true, true, false);
        assertThat(tables.get(0).describe()).contains(dir.resolve("page.md") + ":3: the table was typed by hand from commit 6b161c2")
                .contains("the heading above it ('## Earlier runs') does not say so");
        assertThat(tables.get(3).problem()).contains("('## Later, commit 1c91fe2')");
    }

    @Test
    void onlyAMarkdownHeadingCountsAndAPageWithoutOneSaysSo() throws IOException {
        String stamp = TableStamps.HAND_STAMP_START + " before it existed; last changed in commit 6b161c2 (2026-11-30).</sub>\n";
        var tables = check(TABLE + stamp + "\n## Earlier runs (commit 6b161c2)\n\n#7 is an issue number, not a heading\n\n"
                + TABLE + stamp);
        assertThat(tables).extracting(TableStamps.Table::stamped).containsExactly(false, true);
        assertThat(tables.get(0).problem()).contains("but no heading is above it");
    }

    @Test
    void tablesWithoutFiguresAndTablesInCodeAreNotResults() throws IOException {
        var tables = check("""
                | page | script |
                |---|---|
                | [han.md](han.md) | Han et al. 2015, step 3 of `scripts/han.groovy` |

                ```
                | a | b |
                |---|---|
                | 1 | 2 |
                ```
                """);
        assertThat(tables).isEmpty();
    }
}
