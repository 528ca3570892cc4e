package dev.secateur.bus;

import dev.secateur.result.StepResult;
import java.util.List;

/** Events a run publishes; events.jsonl records every one of them, in order. */
public sealed interface RunEvent permits RunEvent.RunStarted, RunEvent.TrainingProgress, RunEvent.StepCompleted,
        RunEvent.Decided, RunEvent.RunCompleted, RunEvent.RunFailed, RunEvent.RunCancelled {

    String runId();

    /** The event's name in events.jsonl. */
    String type();

    /** Where it is published. */
    String address();

    /**
     * @param tags bounded labels for metrics: saliency, schedule, granularity, scope
     */
    /**
     * @param compare for a criteria comparison, what is compared ("magnitude, taylor against oracle on 2_W"); null
     *                for a pruning run
     */
    record RunStarted(String runId, String experiment, String runDir, int steps, Tags tags, String compare) implements RunEvent {
        @Override
        public String type() {
            return "started";
        }

        @Override
        public String address() {
            return Addresses.RUN_STARTED;
        }
    }

    record TrainingProgress(String runId, TrainingPhase phase, int step, int epoch, int epochs,
                            long examplesDone, long examplesTotal, double loss) implements RunEvent {
        @Override
        public String type() {
            return "progress";
        }

        @Override
        public String address() {
            return Addresses.FINETUNER_PROGRESS;
        }
    }

    record StepCompleted(String runId, String experiment, int steps, StepResult result, Tags tags) implements RunEvent {
        @Override
        public String type() {
            return "step-completed";
        }

        @Override
        public String address() {
            return Addresses.RUN_STEP_COMPLETED;
        }
    }

    /**
     * A decision the run took on its own, in words, such as the per-layer ratios a sensitivity analysis
     * chose or what physical removal left.
     *
     * @param what  {@code sensitivity} or {@code shrink}
     */
    record Decided(String runId, String experiment, String what, List<String> lines) implements RunEvent {
        public Decided {
            lines = List.copyOf(lines);
        }

        @Override
        public String type() {
            return "decided";
        }

        @Override
        public String address() {
            return Addresses.RUN_DECIDED;
        }
    }

    record RunCompleted(String runId, String experiment, String runDir, List<StepResult> results) implements RunEvent {
        @Override
        public String type() {
            return "completed";
        }

        @Override
        public String address() {
            return Addresses.RUN_COMPLETED;
        }
    }

    /**
     * @param runDir the run directory, or null when the run failed before one was created
     */
    record RunFailed(String runId, String experiment, FailureCode code, String message, String runDir) implements RunEvent {
        @Override
        public String type() {
            return "failed";
        }

        @Override
        public String address() {
            return Addresses.RUN_FAILED;
        }
    }

    /**
     * A run stopped on request at a stage boundary.
     *
     * @param message which stage it stopped before
     * @param runDir  its directory, or null if it had none yet
     */
    record RunCancelled(String runId, String experiment, String message, String runDir) implements RunEvent {
        @Override
        public String type() {
            return "cancelled";
        }

        @Override
        public String address() {
            return Addresses.RUN_CANCELLED;
        }
    }

    /** The bounded tags a run's metrics carry. */
    record Tags(String saliency, String schedule, String granularity, String scope) {
    }
}
