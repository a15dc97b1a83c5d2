package warmwire.session.readyq;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import warmwire.contracts.shape.Provider;

/**
 * NAME
 *   ProviderBudget - the limits a mailbox provider's sites share: connections and rates.
 * DESCRIPTION
 *   One budget per provider (and source) in a {@link ConnectionCache}. All the provider's site
 *   queues run on the budget's event loop ({@link #context}), so the budget needs no locks: a
 *   site queue counts each connection it opens ({@link #acquire}) until it is closed
 *   ({@link #release}), and takes its messages and new connections from the provider's
 *   {@link Gcra}s. A site that would open a connection while the provider is at
 *   {@code max-connections} waits ({@link #await}); a released connection ({@link #release})
 *   wakes the sites waiting, oldest first, until the budget is full again.
 *   A site that waits with no connection at all asks another site of the provider to close its
 *   longest-idle connection ({@link #reclaimIdle}), and a connection that would go idle while
 *   another site waits is closed instead ({@link #othersWaiting}), so an idle site does not hold
 *   the provider's connections from a busy one. A request to slow down that one of its sites hears
 *   halves the provider's max-connections for the throttle hold ({@link #throttle}): providers
 *   count a sending IP across all their domains. The delivery-service keys all of a provider's
 *   sites by the provider, so one shard (one instance) holds them all: the limits hold across
 *   the cluster, per egress source (one budget per provider and source), without a shared
 *   counter. A connection that replaces one the server ended (SiteQueue's resume) is opened
 *   while the old one says QUIT, so the count may pass the limit by one for that moment.
 */
final class ProviderBudget {
    final Provider provider;
    /** Where the provider's site queues run. */
    final Context context;
    /** The provider's message rate and new-connection rate; null = none. */
    final Gcra messages;
    final Gcra connections;
    /** Written on the budget's event loop; volatile for the gauges and tests that read it elsewhere. */
    private volatile int count;
    private final Set<SiteQueue> waiting = new LinkedHashSet<>();
    private final Set<SiteQueue> members = new LinkedHashSet<>();
    /** The timer that ends the throttle in force (a throttle halves max-connections); -1 = none in force. */
    private long throttleTimer = -1;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ProviderBudget.class);

    ProviderBudget(Provider provider, Context context) {
        this.provider = provider;
        this.context = context;
        this.messages = Gcra.of(provider.messageRate(), provider.messageBurst());
        this.connections = Gcra.of(provider.connectionRate() / 60.0, provider.connectionBurst());
    }

    String name() {
        return provider.name();
    }

    /** Whether the provider's connection limit (halved while throttled) is reached; never without one. */
    boolean full() {
        return provider.maxConnections() > 0 && count >= limit();
    }

    /** The provider's max-connections, halved (at least 1) while a throttle holds. */
    int limit() {
        int max = provider.maxConnections();
        return throttleTimer >= 0 ? Math.max(1, max / 2) : max;
    }

    /**
     * One of the provider's sites heard a request to slow down (SiteQueue's throttle): the
     * provider's max-connections halves for {@code hold} (a further request holds it longer,
     * without halving again); when it has passed, the sites waiting are woken. Returns what
     * changed, for the deferred recipients' events; null for a provider without a connection limit.
     */
    String throttle(java.time.Duration hold, java.time.Instant until, io.vertx.core.Vertx vertx) {
        int max = provider.maxConnections();
        if (max <= 0 || hold.isZero() || hold.isNegative()) {
            return null;
        }
        boolean already = throttleTimer >= 0;
        if (already) {
            vertx.cancelTimer(throttleTimer); // held longer, not halved again
        }
        throttleTimer = vertx.setTimer(Math.max(1, hold.toMillis()), id -> context.runOnContext(v -> {
            if (throttleTimer != id) {
                return; // a later request re-armed it
            }
            throttleTimer = -1;
            LOG.infof("provider %s: throttle ended; max-connections %d again", provider.name(), max);
            wake();
        }));
        if (already) {
            return "provider " + provider.name() + " still throttled: max-connections " + limit() + " until " + until;
        }
        LOG.warnf("provider %s throttled until %s: max-connections %d -> %d", provider.name(), until, max, limit());
        return "provider " + provider.name() + " throttled: max-connections " + max + " -> " + limit() + " until " + until;
    }

    /** Connections counted now (opening or live) of the sites that share the limit. */
    int count() {
        return count;
    }

    void join(SiteQueue q) {
        members.add(q);
    }

    void leave(SiteQueue q) {
        members.remove(q);
        waiting.remove(q);
    }

    /** A connection is being opened. */
    void acquire() {
        count++;
    }

    /** A counted connection ended (or did not open): the sites waiting may use the room, oldest first. */
    void release() {
        count--;
        wake();
    }

    /** The sites waiting pump again, oldest first, while there is room. */
    private void wake() {
        while (!full() && !waiting.isEmpty()) {
            SiteQueue q = waiting.iterator().next();
            waiting.remove(q);
            q.pumpFromBudget();
        }
    }

    /** {@code q} has a job that waits for the provider's connection limit. */
    void await(SiteQueue q) {
        waiting.add(q);
    }

    /** Whether a site other than {@code q} waits for room. */
    boolean othersWaiting(SiteQueue q) {
        return waiting.size() > (waiting.contains(q) ? 1 : 0);
    }

    /**
     * Asks another site of the provider to close its longest-idle connection, for {@code asking}
     * that has none; true if one was asked (its release wakes the waiting sites).
     */
    boolean reclaimIdle(SiteQueue asking) {
        for (SiteQueue q : new ArrayList<>(members)) {
            if (q != asking && q.quitLongestIdle()) {
                return true;
            }
        }
        return false;
    }
}
