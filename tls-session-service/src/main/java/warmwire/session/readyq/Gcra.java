package warmwire.session.readyq;

/**
 * NAME
 *   Gcra - a rate with a burst: the generic cell rate algorithm (ITU-T I.371, the virtual
 *   scheduling form of a token bucket).
 * DESCRIPTION
 *   {@code perSecond} events a second in the long run, and up to {@code burst} at once after a
 *   quiet spell. The state is one number, the theoretical arrival time (TAT): an event may go
 *   when TAT - (burst - 1) x interval is not after now, and then moves TAT one interval on.
 *   {@link #waitNanos} says how long the next one must wait, {@link #take} takes it, and
 *   {@link #force} takes one that went without waiting (a connection that replaces one the
 *   server closed), so the long-run rate stays exact. Not thread-safe: a site queue's context
 *   owns it.
 */
final class Gcra {
    private final long interval;
    private final long tolerance;
    private long tat = Long.MIN_VALUE;

    private Gcra(double perSecond, int burst) {
        this.interval = Math.max(1, Math.round(1e9 / perSecond));
        this.tolerance = (Math.max(1, burst) - 1L) * interval;
    }

    /** A rate of {@code perSecond} with {@code burst}, or null (no limit) when {@code perSecond <= 0}. */
    static Gcra of(double perSecond, int burst) {
        return perSecond > 0 ? new Gcra(perSecond, burst) : null;
    }

    /** Nanoseconds until the next event may go at {@code now}; 0 = now. */
    long waitNanos(long now) {
        if (tat == Long.MIN_VALUE) {
            return 0;
        }
        return Math.max(0, tat - tolerance - now);
    }

    /** Takes the next event at {@code now}; false (nothing taken) if it must wait. */
    boolean take(long now) {
        if (waitNanos(now) > 0) {
            return false;
        }
        force(now);
        return true;
    }

    /** Counts an event at {@code now} that did not wait. */
    void force(long now) {
        tat = (tat == Long.MIN_VALUE ? now : Math.max(tat, now)) + interval;
    }
}
