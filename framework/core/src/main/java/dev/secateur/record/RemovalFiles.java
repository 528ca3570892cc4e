package dev.secateur.record;

import dev.secateur.files.DurableFiles;
import dev.secateur.shrink.RemovalFigure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a physical removal, measured side by side, into a run directory: {@code removal.csv}, one row per figure
 * (parameters, FLOPs, the pass's latency at each batch, each layer's time and FLOPs, onnxruntime's latency), the
 * masked network's value beside the shrunk one's and the fraction cut. {@code bin/secateur table --file removal.csv
 * --by measure,batch,layer} makes a table of it.
 */
public final class RemovalFiles {

    public static final String CSV = "removal.csv";
    public static final String HEADER = Csv.header("measure", "batch", "layer", "masked", "shrunk", "cut");

    private RemovalFiles() {
    }

    public static void write(Path runDir, List<RemovalFigure> figures) {
        var lines = new ArrayList<String>();
        lines.add(HEADER);
        for (var f : figures) {
            boolean count = f.measure().equals(RemovalFigure.PARAMS) || f.measure().equals(RemovalFigure.FLOPS)
                    || f.measure().equals(RemovalFigure.LAYER_FLOPS);
            lines.add(Csv.line(f.measure(), Integer.toString(f.batch()), f.layer(), count ? Long.toString(Math.round(f.masked()))
                            : String.format(Locale.ROOT, "%.6f", f.masked()), count ? Long.toString(Math.round(f.shrunk()))
                            : String.format(Locale.ROOT, "%.6f", f.shrunk()),
                    Double.isFinite(f.cut()) ? String.format(Locale.ROOT, "%.4f", f.cut()) : ""));
        }
        DurableFiles.writeString(runDir.resolve(CSV), String.join("\n", lines) + "\n");
    }
}
