package warmwire.session.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * NAME
 *   InFlightLimit - counts jobs in flight and gates the start of the next one.
 * DESCRIPTION
 *   {@link #acquire} takes a slot for the job being started and returns a stage that completes
 *   when another job may start: at once while fewer than {@code max} are in flight, else when
 *   {@link #release} frees one. The consumer returns that stage to SmallRye, which calls it
 *   for the next record only when the stage completes, so at most {@code max} jobs run and a
 *   slow one delays nothing but its own record's commit. Thread-safe.
 */
public final class InFlightLimit {
    private final int max;
    private int inFlight;
    private CompletableFuture<Void> gate;

    public InFlightLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max in flight must be at least 1: " + max);
        }
        this.max = max;
    }

    public CompletionStage<Void> acquire() {
        synchronized (this) {
            inFlight++;
            if (inFlight < max) {
                return CompletableFuture.completedFuture(null);
            }
            if (gate == null || gate.isDone()) {
                gate = new CompletableFuture<>();
            }
            return gate;
        }
    }

    public void release() {
        CompletableFuture<Void> open = null;
        synchronized (this) {
            if (inFlight > 0) {
                inFlight--;
            }
            if (inFlight < max && gate != null) {
                open = gate;
                gate = null;
            }
        }
        if (open != null) {
            open.complete(null);
        }
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public int max() {
        return max;
    }
}
