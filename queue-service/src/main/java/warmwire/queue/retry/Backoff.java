package warmwire.queue.retry;

import java.time.Duration;
import warmwire.contracts.Topics;

/**
 * NAME
 *   Backoff - how long a deferred recipient waits, and on which retry tier.
 * DESCRIPTION
 *   Postfix's exponential backoff: after failed attempt k the wait is
 *   min(minimal x 2^(k-1), maximal). Attempt k waits on tier min(k, {@value Topics#RETRY_TIERS}),
 *   and tier i's wait is min(minimal x 2^(i-1), maximal): every record of one tier waits the
 *   same time, so within a tier partition records come due in offset order (a scheduler can
 *   pause at the first record that is not due).
 */
public final class Backoff {
    private final Duration minimal;
    private final Duration maximal;

    public Backoff(Duration minimal, Duration maximal) {
        if (minimal.isNegative() || minimal.isZero() || maximal.compareTo(minimal) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < minimal-backoff <= maximal-backoff, got "
                    + minimal + " and " + maximal);
        }
        this.minimal = minimal;
        this.maximal = maximal;
    }

    /** The tier of the retry after failed attempt {@code attempt} (1-based). */
    public int tierAfter(int attempt) {
        return Math.max(1, Math.min(attempt, Topics.RETRY_TIERS));
    }

    /** The wait of tier {@code tier}. */
    public Duration tierWait(int tier) {
        int t = Math.max(1, Math.min(tier, Topics.RETRY_TIERS));
        Duration d = minimal.multipliedBy(1L << (t - 1));
        return d.compareTo(maximal) > 0 ? maximal : d;
    }

    /** The wait after failed attempt {@code attempt}. */
    public Duration after(int attempt) {
        return tierWait(tierAfter(attempt));
    }

    public Duration maximal() {
        return maximal;
    }
}
