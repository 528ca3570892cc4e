package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run for notebooks and papers: {@code accuracy-sparsity.png}, accuracy against sparsity
 * after each step, and {@code layer-sparsity.png}, each prunable parameter's sparsity after each step.
 */
public final class RunPlots {

    public static final String ACCURACY = "accuracy-sparsity.png";
    public static final String LAYERS = "layer-sparsity.png";

    private RunPlots() {
    }

    /** Both plots, from what the run directory holds; a run with no measured step gets none. */
    public static void write(Path dir, JsonNode detail) {
        var sparsity = new ArrayList<Double>();
        var accuracy = new ArrayList<Double>();
        for (var row : detail.path("results")) {
            if (row.hasNonNull("accuracy") && row.hasNonNull("sparsity")) {
                sparsity.add(100 * row.path("sparsity").asDouble());
                accuracy.add(100 * row.path("accuracy").asDouble());
            }
        }
        String name = detail.path("spec").path("experiment").asText(dir.getFileName().toString());
        try {
            if (!sparsity.isEmpty()) {
                XYChart chart = new XYChartBuilder().width(800).height(500).title(name + ": accuracy against sparsity")
                        .xAxisTitle("sparsity (%)").yAxisTitle("test accuracy (%)").build();
                chart.addSeries(name, sparsity, accuracy).setMarker(SeriesMarkers.CIRCLE);
                BitmapEncoder.saveBitmap(chart, dir.resolve(ACCURACY).toString(), BitmapEncoder.BitmapFormat.PNG);
            }
            var steps = detail.path("steps");
            if (!steps.isEmpty()) {
                BitmapEncoder.saveBitmap(layers(name, steps), dir.resolve(LAYERS).toString(), BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plots of " + dir + ": " + e.getMessage(), e);
        }
    }

    private static CategoryChart layers(String name, JsonNode steps) {
        var chart = new CategoryChartBuilder().width(900).height(500).title(name + ": sparsity per layer after each step")
                .xAxisTitle("parameter").yAxisTitle("sparsity (%)").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        var params = new LinkedHashSet<String>();
        steps.forEach(s -> s.path("layerSparsity").fieldNames().forEachRemaining(params::add));
        var names = List.copyOf(params);
        for (var step : steps) {
            var values = new ArrayList<Double>();
            names.forEach(p -> values.add(100 * step.path("layerSparsity").path(p).asDouble(0)));
            chart.addSeries("step " + step.path("step").asInt(), names, values);
        }
        return chart;
    }
}
