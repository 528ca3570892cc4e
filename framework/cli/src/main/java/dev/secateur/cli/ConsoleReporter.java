package dev.secateur.cli;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunEvent;
import dev.secateur.result.ResultsTable;
import dev.secateur.result.SpeedupSummary;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Tells the user about runs as their events come, from the event bus of this JVM ({@code run}) or from a
 * server's event stream ({@code submit}): a progress bar while training (a line per epoch when the output is
 * not a terminal), a line per step, and at the end the run directory and a summary table.
 */
final class ConsoleReporter implements AutoCloseable {

    private final Map<String, Long> denseParams = new HashMap<>();
    private final PrintWriter out;
    private final boolean bars;
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final Map<String, String> granularities = new HashMap<>();
    private ProgressBar bar;
    private String barKey;
    private int lastEpochPrinted;

    ConsoleReporter(PrintWriter out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    /** A reporter of every run event published on this bus. */
    static ConsoleReporter onBus(Vertx vertx, PrintWriter out, boolean bars) {
        var reporter = new ConsoleReporter(out, bars);
        var bus = vertx.eventBus();
        for (String address : List.of(Addresses.RUN_STARTED, Addresses.FINETUNER_PROGRESS, Addresses.RUN_STEP_COMPLETED,
                Addresses.RUN_DECIDED, Addresses.RUN_COMPLETED, Addresses.RUN_FAILED, Addresses.RUN_CANCELLED)) {
            reporter.consumers.add(bus.<RunEvent>consumer(address, m -> reporter.accept(m.body())));
        }
        return reporter;
    }

    /** One event of a run, from wherever it came. */
    void accept(RunEvent event) {
        if (event instanceof RunEvent.RunStarted e) {
            started(e);
        } else if (event instanceof RunEvent.TrainingProgress e) {
            progress(e);
        } else if (event instanceof RunEvent.StepCompleted e) {
            step(e);
        } else if (event instanceof RunEvent.Decided e) {
            decided(e);
        } else if (event instanceof RunEvent.RunCompleted e) {
            completed(e);
        } else if (event instanceof RunEvent.RunFailed e) {
            failed(e);
        } else if (event instanceof RunEvent.RunCancelled e) {
            cancelled(e);
        }
    }

    private synchronized void started(RunEvent.RunStarted e) {
        granularities.put(e.runId(), e.compare() == null ? e.tags().granularity() : null);
        if (e.compare() != null) {
            out.printf("run %s: compare %s%n  -> %s%n", e.runId(), e.compare(), e.runDir());
            out.flush();
            return;
        }
        if (e.steps() == 0) {
            out.printf("run %s: dense baseline, trained and evaluated, nothing pruned%n  -> %s%n", e.runId(), e.runDir());
            out.flush();
            return;
        }
        out.printf("run %s: %d step(s), saliency %s, schedule %s, %s, %s scope%n  -> %s%n", e.runId(), e.steps(),
                e.tags().saliency(), e.tags().schedule(), e.tags().granularity(), e.tags().scope(), e.runDir());
        out.flush();
    }

    private synchronized void progress(RunEvent.TrainingProgress p) {
        String task = switch (p.phase()) {
            case BASELINE -> "baseline";
            case FINETUNE -> "fine-tune step " + p.step();
            case CONTROL -> "control step " + p.step();
        };
        String key = p.runId() + "/" + task;
        if (!key.equals(barKey)) {
            closeBar();
            barKey = key;
            lastEpochPrinted = 0;
            if (bars) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(p.examplesTotal())
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" ex", 1).showSpeed().setMaxRenderedLength(100).build();
            }
        }
        if (bar != null) {
            bar.stepTo(p.examplesDone());
            bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d/%d loss %.4f", p.epoch(), p.epochs(), p.loss()));
        } else {
            // one line per finished epoch when there is no terminal to redraw
            long perEpoch = p.examplesTotal() / Math.max(1, p.epochs());
            int finished = perEpoch == 0 ? 0 : (int) (p.examplesDone() / perEpoch);
            if (finished > lastEpochPrinted) {
                lastEpochPrinted = finished;
                out.printf(Locale.ROOT, "  %s: epoch %d/%d, loss %.4f%n", task, finished, p.epochs(), p.loss());
                out.flush();
            }
        }
    }

    private synchronized void step(RunEvent.StepCompleted e) {
        closeBar();
        var r = e.result();
        if (r.step() == 0) {
            denseParams.put(e.runId(), r.params());
        }
        long dense = denseParams.getOrDefault(e.runId(), r.params());
        String size = r.params() < dense
                ? String.format(Locale.ROOT, "params %,d (%.1f%% removed), sparsity %s", r.params(), 100.0 * (dense - r.params()) / dense,
                ResultsTable.pct(r.sparsity()))
                : "sparsity " + ResultsTable.pct(r.sparsity());
        String control = Double.isFinite(r.controlAccuracy()) ? String.format(Locale.ROOT, ", control %s (%s points)",
                ResultsTable.pct(r.controlAccuracy()), ResultsTable.signed(100 * r.accuracyVsControl(), 2)) : "";
        String perplexity = Double.isFinite(r.perplexity()) ? ", perplexity " + ResultsTable.num(r.perplexity(), 3) : "";
        out.printf(Locale.ROOT, "  step %d/%d: %s, accuracy %s, loss %s%s%s%n", r.step(), e.steps(), size,
                ResultsTable.pct(r.accuracy()), ResultsTable.num(r.loss(), 4), perplexity, control);
        out.flush();
    }

    private synchronized void decided(RunEvent.Decided e) {
        closeBar();
        out.println("  " + e.what() + ":");
        e.lines().forEach(line -> out.println("    " + line));
        out.flush();
    }

    private synchronized void completed(RunEvent.RunCompleted e) {
        closeBar();
        out.println();
        out.println("run directory: " + e.runDir());
        out.print(ResultsTable.steps(e.results()));
        String granularity = granularities.remove(e.runId());
        denseParams.remove(e.runId());
        if (granularity != null) {
            SpeedupSummary.lines(e.results(), granularity).forEach(out::println);
        }
        SpeedupSummary.throughput(e.results()).ifPresent(out::println);
        out.println();
        out.flush();
    }

    private synchronized void failed(RunEvent.RunFailed e) {
        closeBar();
        if (e.runDir() != null && e.code() == FailureCode.INTERRUPTED) {
            out.println("run " + e.runId() + " was interrupted after its last checkpoint; what it wrote is in " + e.runDir()
                    + " (see INTERRUPTED there)");
            out.flush();
        } else if (e.runDir() != null) {
            out.println("run " + e.runId() + " failed; what it wrote is in " + e.runDir() + " (see FAILED there)");
            out.flush();
        }
    }

    private synchronized void cancelled(RunEvent.RunCancelled e) {
        closeBar();
        out.println(e.message() + (e.runDir() == null ? "" : "; what it wrote is in " + e.runDir() + " (see CANCELLED there)"));
        out.flush();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        barKey = null;
    }

    @Override
    public synchronized void close() {
        closeBar();
        consumers.forEach(MessageConsumer::unregister);
    }
}
