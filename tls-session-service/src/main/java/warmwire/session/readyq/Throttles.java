package warmwire.session.readyq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import warmwire.contracts.classify.ReplyRules;
import warmwire.session.smtp.Reply;

/**
 * NAME
 *   Throttles - which sites a receiver asked to slow down, and until when.
 * DESCRIPTION
 *   A reply the reply rules flag {@code throttle} (contracts' reply-classes.txt: Yahoo's TS01-TS04,
 *   Microsoft's "exceeded the maximum number of connections/messages per connection", Gmail's
 *   4.7.28, any 4xx about rates or too many connections), and only a 4xx one (a 5xx is a refusal
 *   of the mail, not of the pace), makes its {@link SiteQueue} halve its limits for {@code hold}:
 *   the connection window and the deliveries per connection. A further such reply during the hold
 *   holds them longer (it does not halve them again: the connections open at the time all hear
 *   the same request). When the hold has passed the site is back at the
 *   limits it had before. This registry holds the throttles in force, so a site queue that is
 *   made anew (the old one retired) takes them over, and tells {@code listener} of each start
 *   and end (logged, counted and published for GET /admin/v1/sites). Like KumoMTA's traffic
 *   shaping automation, per site and egress source (providers count per sending IP): the
 *   {@code site} of a throttle is the site key, with {@code " from <source>"} after it when the
 *   queue sends from a named source.
 */
public final class Throttles {
    /**
     * One throttle: the site, since and until when, the reply that caused it and who sent it,
     * the limits in force meanwhile; {@code ended} once the hold has passed.
     */
    public record Throttle(String site, Instant since, Instant until, String cause, String relay, int window,
                           int deliveriesPerConnection, boolean ended) {
        Throttle ending() {
            return new Throttle(site, since, until, cause, relay, window, deliveriesPerConnection, true);
        }
    }

    /** Most throttles held at once (site keys come from DNS). */
    static final int MAX_THROTTLES = 100_000;

    private final ReplyRules rules;
    private final Duration hold;
    private final Clock clock;
    private final Consumer<Throttle> listener;
    private final Map<String, Throttle> current = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();

    public Throttles(ReplyRules rules, Duration hold, Clock clock, Consumer<Throttle> listener) {
        this.rules = rules;
        this.hold = hold;
        this.clock = clock;
        this.listener = listener;
    }

    /** Never throttles (tests, or {@code warmwire.session.throttle-hold=0s}). */
    public static Throttles off() {
        return new Throttles(ReplyRules.defaults(), Duration.ZERO, Clock.systemUTC(), t -> { });
    }

    /**
     * Whether {@code r} asks the sender to slow down: a 4xx the rules flag throttle. A reply
     * without an enhanced code is judged as X.0.0 of its class (4.0.0), as queue-service's
     * events name it.
     */
    public boolean asksToSlowDown(Reply r) {
        if (hold.isZero() || r == null || r.code() / 100 != 4) {
            return false;
        }
        return rules.judge(r.enhanced() != null ? r.enhanced() : "4.0.0", r.text()).throttle();
    }

    Duration hold() {
        return hold;
    }

    Instant now() {
        return clock.instant();
    }

    /** The throttle of {@code site} in force now, or null. */
    public Throttle active(String site) {
        Throttle t = current.get(site);
        return t == null || !t.until().isAfter(clock.instant()) ? null : t;
    }

    void start(Throttle t) {
        if (current.size() >= MAX_THROTTLES && !current.containsKey(t.site())) {
            Instant now = clock.instant();
            current.values().removeIf(x -> !x.until().isAfter(now));
        }
        current.put(t.site(), t);
        started.incrementAndGet();
        listener.accept(t);
    }

    /**
     * The throttle of a site held longer (a further request to slow down while in force); the
     * listener hears it only when {@code tell} (so a burst of the same reply is not a burst of
     * writes).
     */
    void extend(Throttle t, boolean tell) {
        current.put(t.site(), t);
        if (tell) {
            listener.accept(t);
        }
    }

    void end(String site, Instant until) {
        Throttle t = current.get(site);
        if (t != null && t.until().equals(until) && current.remove(site, t)) {
            listener.accept(t.ending());
        }
    }

    /** The throttles in force. */
    public List<Throttle> list() {
        Instant now = clock.instant();
        return current.values().stream().filter(t -> t.until().isAfter(now)).toList();
    }

    /** Throttles started since the service started (metrics). */
    public long started() {
        return started.get();
    }
}
