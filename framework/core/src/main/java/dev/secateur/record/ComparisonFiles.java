package dev.secateur.record;

import dev.secateur.files.DurableFiles;
import dev.secateur.score.Comparison;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Writes a criteria comparison into a run directory: {@code rank-correlation.csv}, one row per criterion
 * and layer, and {@code rank-correlation.png}, Spearman's ρ as grouped bars (one group per criterion,
 * one bar per layer), the form of Molchanov et al.'s comparison table.
 */
public final class ComparisonFiles {

    public static final String CSV = "rank-correlation.csv";
    public static final String PNG = "rank-correlation.png";
    /** The scores behind the correlations: per layer and point, the reference's and each criterion's. */
    public static final String POINTS = "rank-correlation-points.csv";
    public static final String HEADER = Csv.header("criterion", "reference", "layer", "points", "spearman", "kendall");

    private ComparisonFiles() {
    }

    public static void write(Path runDir, Comparison.Report report) {
        var lines = new ArrayList<String>();
        lines.add(HEADER);
        for (var row : report.rows()) {
            lines.add(Csv.line(row.criterion(), report.reference(), row.layer().toString(),
                    Integer.toString(row.points()), number(row.spearman()), number(row.kendall())));
        }
        try {
            DurableFiles.writeString(runDir.resolve(CSV), String.join("\n", lines) + "\n");
            DurableFiles.writeString(runDir.resolve(POINTS), String.join("\n", points(report)) + "\n");
            BitmapEncoder.saveBitmap(chart(report), runDir.resolve(PNG).toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the comparison to " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** {@code layer,point,<reference>,<criterion>...}: one row per scored point, for a scatter of each against the reference. */
    private static List<String> points(Comparison.Report report) {
        var lines = new ArrayList<String>();
        var columns = new ArrayList<String>(List.of("layer", "point", report.reference()));
        report.rows().stream().map(r -> r.criterion()).distinct().forEach(columns::add);
        lines.add(Csv.header(columns.toArray(String[]::new)));
        report.points().forEach((layer, byMethod) -> {
            double[] reference = byMethod.get(report.reference());
            for (int i = 0; i < reference.length; i++) {
                var cells = new ArrayList<String>(List.of(layer.toString(), Integer.toString(i)));
                for (String method : columns.subList(2, columns.size())) {
                    double[] values = byMethod.get(method);
                    cells.add(values == null ? "" : String.format(Locale.ROOT, "%.6g", values[i]));
                }
                lines.add(Csv.line(cells.toArray()));
            }
        });
        return lines;
    }

    private static CategoryChart chart(Comparison.Report report) {
        var chart = new CategoryChartBuilder().width(900).height(500)
                .title("Rank correlation with " + report.reference() + " (Spearman)")
                .xAxisTitle("criterion").yAxisTitle("Spearman's rho").build();
        chart.getStyler().setYAxisMin(-1.0).setYAxisMax(1.0);
        var criteria = new LinkedHashSet<String>();
        var layers = new LinkedHashSet<String>();
        report.rows().forEach(r -> {
            criteria.add(r.criterion());
            layers.add(r.layer().toString());
        });
        for (String layer : layers) {
            List<Double> values = new ArrayList<>();
            for (String criterion : criteria) {
                values.add(report.rows().stream().filter(r -> r.criterion().equals(criterion) && r.layer().toString().equals(layer))
                        .mapToDouble(r -> Double.isNaN(r.spearman()) ? 0.0 : r.spearman()).findFirst().orElse(0.0));
            }
            chart.addSeries(layer, new ArrayList<>(criteria), values);
        }
        return chart;
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
}
