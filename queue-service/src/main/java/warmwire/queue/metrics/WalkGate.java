package warmwire.queue.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * NAME
 *   WalkGate - when a costly metric is worth computing again: asked for, and old enough.
 * DESCRIPTION
 *   {@link #asked} is called by every read of the metric (a scrape); {@link #due} by the thread
 *   that computes it, which then computes and calls {@link #computed}. Due means: asked since
 *   the last computation, and that one is at least {@code interval} old (or there was none).
 *   A zero or negative interval is never due. Clock in nanoseconds (System::nanoTime).
 */
final class WalkGate {
    private final long intervalNanos;
    private final LongSupplier clock;
    private final AtomicBoolean asked = new AtomicBoolean();
    private volatile long computedAt;
    private volatile boolean computedOnce;

    WalkGate(Duration interval, LongSupplier clock) {
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /** False for a zero or negative interval: then nothing is ever due and no walker is needed. */
    boolean enabled() {
        return intervalNanos > 0;
    }

    /** The metric was read. */
    void asked() {
        asked.set(true);
    }

    /** True when a computation should run now; it clears the request. */
    boolean due() {
        if (!enabled() || !asked.get()) {
            return false;
        }
        if (computedOnce && clock.getAsLong() - computedAt < intervalNanos) {
            return false;
        }
        asked.set(false);
        return true;
    }

    /** A computation ended. */
    void computed() {
        computedAt = clock.getAsLong();
        computedOnce = true;
    }

    /** Seconds since the last computation, -1 when there was none. */
    double ageSeconds() {
        return computedOnce ? (clock.getAsLong() - computedAt) / 1e9 : -1;
    }
}
