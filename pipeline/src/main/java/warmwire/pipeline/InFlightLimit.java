package warmwire.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * NAME
 *   InFlightLimit - counts jobs in flight and gates the start of the next one.
 * DESCRIPTION
 *   {@link #acquire} takes a slot for the job being started and returns a stage that completes
 *   when another job may start: at once while fewer than {@code max} are in flight, else when
 *   {@link #release} frees one. A second bound counts bytes (the jobs' record sizes), since
 *   jobs carry their content: the next job is admitted only while both are under their
 *   limits (the job being started always runs). {@link ExactlyOnceLoop} takes a slot per record
 *   it starts and pauses fetching while {@link #full}, so what a hop holds in memory is bounded
 *   and a slow job delays nothing but its own record's commit. {@link #reset} forgets every job
 *   when the loop starts over. Thread-safe.
 */
public final class InFlightLimit {
    /** Returned while under the bounds: one shared completed stage (read-only), nothing allocated per job. */
    private static final CompletionStage<Void> OPEN = CompletableFuture.completedStage(null);

    private final int max;
    private final long maxBytes;
    private int inFlight;
    private long bytes;
    private CompletableFuture<Void> gate;

    public InFlightLimit(int max) {
        this(max, Long.MAX_VALUE);
    }

    public InFlightLimit(int max, long maxBytes) {
        if (max < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("max in flight must be at least 1: " + max + ", bytes " + maxBytes);
        }
        this.max = max;
        this.maxBytes = maxBytes;
    }

    public CompletionStage<Void> acquire() {
        return acquire(0);
    }

    /** Takes a slot for a job of {@code size} bytes. */
    public CompletionStage<Void> acquire(long size) {
        synchronized (this) {
            inFlight++;
            bytes += size;
            if (inFlight < max && bytes < maxBytes) {
                return OPEN;
            }
            if (gate == null || gate.isDone()) {
                gate = new CompletableFuture<>();
            }
            return gate;
        }
    }

    public void release() {
        release(0);
    }

    /** Frees the slot of a job of {@code size} bytes. */
    public void release(long size) {
        CompletableFuture<Void> open = null;
        synchronized (this) {
            if (inFlight > 0) {
                inFlight--;
            }
            bytes = Math.max(0, bytes - size);
            if (inFlight < max && bytes < maxBytes && gate != null) {
                open = gate;
                gate = null;
            }
        }
        if (open != null) {
            open.complete(null);
        }
    }

    /**
     * Forgets every job in flight (their owner started over and will not release them all); a
     * later {@link #release} of one of them frees nothing below zero.
     */
    public void reset() {
        CompletableFuture<Void> open;
        synchronized (this) {
            inFlight = 0;
            bytes = 0;
            open = gate;
            gate = null;
        }
        if (open != null) {
            open.complete(null);
        }
    }

    /** Whether the next job would have to wait: either bound is reached. */
    public synchronized boolean full() {
        return inFlight >= max || bytes >= maxBytes;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public int max() {
        return max;
    }
}
