package warmwire.session.readyq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import warmwire.session.smtp.SmtpFailure;

/**
 * NAME
 *   DeadSites - which sites are dead, and until when (Postfix's failed-cohort rule).
 * DESCRIPTION
 *   A {@link SiteQueue} reports a site dead when opening a connection failed while the site had
 *   no other live or opening connection: the whole cohort failed. The site then stays dead for
 *   min(minBackoff x 2^(n-1), maxBackoff), n = dead verdicts in a row, and its jobs are deferred
 *   with the last error without connecting, so a down destination costs nothing. When the time
 *   has passed the next job probes; a connection that opens clears the verdict.
 *   {@code listener} hears every change (published for the admin API; may be a no-op).
 *   Site keys come from DNS, that is from remote parties, so verdicts do not live for ever: one
 *   whose wait has passed is kept for another maxBackoff (the next probe's failure then doubles
 *   the wait) and then forgotten, and at most {@link #MAX_VERDICTS} are held (past it, expired
 *   ones go first, then the one whose wait ends soonest).
 */
public final class DeadSites {

    /** One dead site: since when, until when, how many verdicts in a row, the error. */
    public record Verdict(String site, Instant since, Instant until, int count, SmtpFailure failure) {
    }

    /** Most verdicts held at once. */
    static final int MAX_VERDICTS = 100_000;

    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final Consumer<Verdict> listener;

    public DeadSites(Duration minBackoff, Duration maxBackoff, Clock clock, Consumer<Verdict> listener) {
        if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("dead-site backoff: need 0 <= min <= max, got " + minBackoff + ", " + maxBackoff);
        }
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.clock = clock;
        this.listener = listener;
    }

    /** Never marks anything dead (tests, or the feature turned off with a zero backoff). */
    public static DeadSites off() {
        return new DeadSites(Duration.ZERO, Duration.ZERO, Clock.systemUTC(), v -> { });
    }

    /** The whole cohort of {@code site} failed with {@code failure}. */
    void dead(String site, SmtpFailure failure) {
        if (maxBackoff.isZero() || failure == null) {
            return;
        }
        Instant now = clock.instant();
        Verdict v = verdicts.compute(site, (k, prev) -> {
            int n = prev == null ? 1 : prev.count() + 1;
            Duration wait = minBackoff.multipliedBy(1L << Math.min(n - 1, 20));
            if (wait.compareTo(maxBackoff) > 0) {
                wait = maxBackoff;
            }
            boolean forgotten = prev != null && forgettable(prev, now);
            return forgotten ? new Verdict(k, now, now.plus(minBackoff), 1, failure)
                    : new Verdict(k, prev == null ? now : prev.since(), now.plus(wait), n, failure);
        });
        listener.accept(v);
        if (verdicts.size() > MAX_VERDICTS) {
            trim(now);
        } else if ((calls.incrementAndGet() & 1023) == 0) {
            verdicts.values().removeIf(x -> forgettable(x, now)); // now and then, so forgotten ones leave
        }
    }

    /** The verdict's wait, and the grace after it in which a failed probe still doubles, have passed. */
    private boolean forgettable(Verdict v, Instant now) {
        return !now.isBefore(v.until().plus(maxBackoff));
    }

    private void trim(Instant now) {
        verdicts.values().removeIf(v -> forgettable(v, now));
        while (verdicts.size() > MAX_VERDICTS) {
            verdicts.values().stream().min(java.util.Comparator.comparing(Verdict::until))
                    .ifPresent(v -> verdicts.remove(v.site(), v));
        }
    }

    /** Verdicts held, expired ones included (tests, health). */
    int size() {
        return verdicts.size();
    }

    /** A connection to {@code site} opened: it is alive. */
    void alive(String site) {
        Verdict v = verdicts.remove(site);
        if (v != null) {
            listener.accept(new Verdict(site, v.since(), clock.instant(), 0, null));
        }
    }

    /** The verdict in force for {@code site} now, or null (unknown, or its wait has passed: probe). */
    public Verdict check(String site) {
        Verdict v = verdicts.get(site);
        if (v == null) {
            return null;
        }
        Instant now = clock.instant();
        if (forgettable(v, now)) {
            verdicts.remove(site, v);
            return null;
        }
        return now.isBefore(v.until()) ? v : null;
    }

    /** Sites dead now. */
    public List<Verdict> list() {
        Instant now = clock.instant();
        return verdicts.values().stream().filter(v -> now.isBefore(v.until())).toList();
    }
}
