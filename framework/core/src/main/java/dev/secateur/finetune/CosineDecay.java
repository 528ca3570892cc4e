package dev.secateur.finetune;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * Half a cosine from {@code rate} down to 0 over {@code updates} updates that start at the network's iteration
 * {@code from}: the rate of update {@code from + i} is rate · (1 + cos(π·i/updates)) / 2. DL4J's optimiser reads it at
 * every update with the network's own iteration counter, which goes on counting across training phases, hence
 * the offset. It lives only while one phase trains; the network goes back to a constant rate afterwards, so no
 * saved model holds it.
 */
record CosineDecay(int from, long updates, double rate) implements ISchedule {

    CosineDecay {
        if (updates < 1 || from < 0 || !(rate > 0)) {
            throw new IllegalArgumentException("a cosine decay needs updates >= 1, from >= 0 and a positive rate, not "
                    + updates + ", " + from + ", " + rate);
        }
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double progress = Math.min(1.0, Math.max(0.0, (iteration - (double) from) / updates));
        return rate * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return this; // immutable
    }
}
