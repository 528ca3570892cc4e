package dev.secateur.record;

import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.files.DurableFiles;
import dev.secateur.sensitivity.SensitivityCurves;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a sensitivity analysis into a run directory: {@code sensitivity.csv} (one row per group and
 * ratio), {@code sensitivity.png} (accuracy against the fraction removed, one line per group, as in Li et
 * al.'s figure 2), and, when a budget chose ratios, {@code sensitivity-ratios.csv}.
 */
public final class SensitivityFiles {

    public static final String CSV = "sensitivity.csv";
    public static final String PNG = "sensitivity.png";
    public static final String RATIOS = "sensitivity-ratios.csv";
    public static final String HEADER = Csv.header("layer", "ratio", "accuracy", "accuracy_drop", "latency_ratio");
    public static final String RATIOS_HEADER = Csv.header("layer", "ratio", "units", "units_kept");

    private SensitivityFiles() {
    }

    public static void write(Path runDir, SensitivityCurves curves) {
        var lines = new ArrayList<String>();
        lines.add(HEADER);
        curves.accuracies().forEach((group, values) -> {
            double[] latency = curves.latencyRatios().get(group);
            lines.add(row(group, 0.0, curves.dense(), 0.0, latency == null ? Double.NaN : 1.0));
            for (int i = 0; i < values.length; i++) {
                lines.add(row(group, curves.ratios().get(i), values[i], curves.dense() - values[i], latency == null ? Double.NaN : latency[i]));
            }
        });
        try {
            DurableFiles.writeString(runDir.resolve(CSV), String.join("\n", lines) + "\n");
            BitmapEncoder.saveBitmap(chart(curves), runDir.resolve(PNG).toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sensitivity analysis to " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** The chosen ratio per group, with the units it keeps. */
    public static void writeRatios(Path runDir, Map<String, Double> ratios, Map<String, Long> units) {
        var lines = new ArrayList<String>();
        lines.add(RATIOS_HEADER);
        ratios.forEach((group, ratio) -> {
            long n = units.get(group);
            lines.add(Csv.line(group, String.format(Locale.ROOT, "%.2f", ratio), Long.toString(n),
                    Long.toString(ShrinkProjection.keptAt(n, ratio))));
        });
        DurableFiles.writeString(runDir.resolve(RATIOS), String.join("\n", lines) + "\n");
    }

    private static XYChart chart(SensitivityCurves curves) {
        var chart = new XYChartBuilder().width(900).height(500).title("Sensitivity to pruning one layer at a time")
                .xAxisTitle("fraction of units removed").yAxisTitle("validation accuracy (%)").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMax(100.0);
        curves.accuracies().forEach((group, values) -> {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            x.add(0.0);
            y.add(curves.dense() * 100);
            for (int i = 0; i < values.length; i++) {
                x.add(curves.ratios().get(i));
                y.add(values[i] * 100);
            }
            chart.addSeries(group, x, y).setMarker(SeriesMarkers.CIRCLE);
        });
        return chart;
    }

    private static String row(String group, double ratio, double accuracy, double drop, double latencyRatio) {
        return Csv.line(group, String.format(Locale.ROOT, "%.2f", ratio), String.format(Locale.ROOT, "%.4f", accuracy),
                String.format(Locale.ROOT, "%.4f", drop), Double.isNaN(latencyRatio) ? "" : String.format(Locale.ROOT, "%.4f", latencyRatio));
    }
}
