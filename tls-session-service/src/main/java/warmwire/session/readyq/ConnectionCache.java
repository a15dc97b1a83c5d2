package warmwire.session.readyq;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.shape.Provider;
import warmwire.contracts.text.BoundedText;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.conn.Source;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpState;

/**
 * NAME
 *   ConnectionCache - delivers jobs over live connections kept per site.
 * DESCRIPTION
 *   {@link #deliver} hands a job to its site's {@link SiteQueue} (created on first use, on an
 *   event loop of its own chosen round-robin) and returns the {@link DeliveryAttempt}; the
 *   future never fails. {@code limits} maps a site key to its {@link ConnectionLimits}
 *   (global defaults with per-site overrides). {@code saturated} tells whether the host's CPU
 *   is saturated (then no site grows beyond what it has; see {@link HostLoad}). A site's queue
 *   retires after a quiet idle timeout and is made again by its next job. A job of a site
 *   that {@link DeadSites} holds dead, or that the operator suspended, is deferred at once
 *   without a connection. A job that names a mailbox provider known here runs in a site queue
 *   under the provider's {@link ProviderBudget} (made on first use; the provider's sites share
 *   its event loop); {@code rules} gives each site its own limits and says which of the
 *   provider's it is under ({@link SiteRules}). A job sent from an egress source ({@link Source})
 *   runs in the queue of its site and source: connections, window, limits and the provider's
 *   budget count per source and destination, as providers count them; dead-site verdicts and
 *   operator suspensions stay per site. {@link #shutdown}
 *   stops taking jobs, sends QUIT
 *   on every idle connection and on every busy one when its transaction ends, and completes
 *   when all are closed or the bound has passed.
 */
public final class ConnectionCache {
    private final Vertx vertx;
    private final EndpointWalker walker;
    private final Function<Source, EndpointWalker> walkers;
    private final java.util.function.BiFunction<String, Provider, SiteRules> rules;
    private final Function<String, Provider> providers;
    private final Map<String, ProviderBudget> budgets = new ConcurrentHashMap<>();
    private final java.util.Set<String> unknownProviders = ConcurrentHashMap.newKeySet();
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ConnectionCache.class);
    private final BooleanSupplier saturated;
    private final DeadSites dead;
    private final Function<String, String> suspended;
    private final Throttles throttles;
    private final Map<String, SiteQueue> sites = new ConcurrentHashMap<>();
    /** One context per event loop ({@link EventLoopContexts}); a new site takes the next. */
    private final List<Context> loops;
    private final AtomicInteger nextLoop = new AtomicInteger();
    private volatile boolean closing;

    public ConnectionCache(Vertx vertx, EndpointWalker walker, Function<String, ConnectionLimits> limits,
                           BooleanSupplier saturated) {
        this(vertx, walker, limits, saturated, DeadSites.off(), site -> null, Throttles.off());
    }

    public ConnectionCache(Vertx vertx, EndpointWalker walker, Function<String, ConnectionLimits> limits,
                           BooleanSupplier saturated, DeadSites dead, Function<String, String> suspended) {
        this(vertx, walker, limits, saturated, dead, suspended, Throttles.off());
    }

    /**
     * @param dead      the dead-site verdicts (failed cohorts) this cache reports and honours
     * @param suspended the operator's reason when a site is suspended, else null
     * @param throttles the sites receivers asked to slow down
     */
    public ConnectionCache(Vertx vertx, EndpointWalker walker, Function<String, ConnectionLimits> limits,
                           BooleanSupplier saturated, DeadSites dead, Function<String, String> suspended,
                           Throttles throttles) {
        this(vertx, walker, (k, p) -> SiteRules.of(limits.apply(k)), name -> null, saturated, dead, suspended, throttles);
    }

    /**
     * @param rules     a site's limits, given its key and its provider (null: none)
     * @param providers the provider of a name that jobs give, or null when none is known here
     */
    public ConnectionCache(Vertx vertx, EndpointWalker walker, java.util.function.BiFunction<String, Provider, SiteRules> rules,
                           Function<String, Provider> providers, BooleanSupplier saturated, DeadSites dead,
                           Function<String, String> suspended, Throttles throttles) {
        this(vertx, walker, source -> walker, rules, providers, saturated, dead, suspended, throttles);
    }

    /**
     * @param walkers the walker of the connections from an egress source ({@link EndpointWalker#from});
     *                given null, {@code walker} (the system's address)
     */
    public ConnectionCache(Vertx vertx, EndpointWalker walker, Function<Source, EndpointWalker> walkers,
                           java.util.function.BiFunction<String, Provider, SiteRules> rules,
                           Function<String, Provider> providers, BooleanSupplier saturated, DeadSites dead,
                           Function<String, String> suspended, Throttles throttles) {
        this.vertx = vertx;
        this.walker = walker;
        this.walkers = walkers;
        this.rules = rules;
        this.providers = providers;
        this.saturated = saturated;
        this.dead = dead;
        this.suspended = suspended;
        this.throttles = throttles;
        this.loops = EventLoopContexts.of(vertx);
    }

    public Future<DeliveryAttempt> deliver(String siteKey, List<Endpoint> endpoints, TlsLevel level, Envelope envelope) {
        return deliver(siteKey, null, endpoints, level, envelope);
    }

    /** @param provider the mailbox provider the job's site names (contracts Site.provider), or null */
    public Future<DeliveryAttempt> deliver(String siteKey, String provider, List<Endpoint> endpoints, TlsLevel level,
                                          Envelope envelope) {
        return deliver(siteKey, provider, null, endpoints, level, envelope);
    }

    /** @param source the egress source to send from (null: the system's address) */
    public Future<DeliveryAttempt> deliver(String siteKey, String provider, Source source, List<Endpoint> endpoints,
                                          TlsLevel level, Envelope envelope) {
        String why = suspended.apply(siteKey);
        if (why != null) {
            return Future.succeededFuture(new DeliveryAttempt(null, List.of(), new SmtpFailure(SmtpFailure.Kind.SUSPENDED,
                    SmtpState.CONNECT, null, "site " + siteKey + " suspended by the operator" + (why.isEmpty() ? "" : ": " + why)),
                    null, 0, 0, 0));
        }
        DeadSites.Verdict v = dead.check(siteKey);
        if (v != null) {
            SmtpFailure f = v.failure();
            return Future.succeededFuture(new DeliveryAttempt(null, List.of(), new SmtpFailure(f.kind(), f.state(), f.reply(),
                    "site " + siteKey + " is dead until " + v.until() + " (" + v.count() + " failed attempt(s) in a row,"
                            + " not tried now); last error: " + f.getMessage()), null, 0, 0, 0));
        }
        Promise<DeliveryAttempt> p = Promise.promise();
        submit(siteKey, provider, source, new SiteQueue.Job(endpoints, level, envelope, p));
        return p.future();
    }

    private void submit(String siteKey, String provider, Source source, SiteQueue.Job job) {
        SiteQueue q = site(siteKey, provider, source);
        q.context().runOnContext(v -> q.submit(job));
    }

    /** The key of a queue, of a provider's budget: one per egress source ("... from <source>"). */
    private static String fromSource(String key, Source source) {
        return source == null ? key : key + " from " + source.name();
    }

    private SiteQueue site(String siteKey, String provider, Source source) {
        // the provider is part of the queue's key: jobs that name another (a changed providers
        // file) get a queue under that one's budget and shard key, and the old queue retires
        String key = fromSource(provider == null ? siteKey : siteKey + " of " + provider, source);
        return sites.computeIfAbsent(key, k -> {
            Provider known = provider == null ? null : providers.apply(provider);
            if (provider != null && known == null && unknownProviders.add(provider)) {
                LOG.warnf("jobs name provider %s, which this service's providers file lacks: its sites stand alone here"
                        + " (delivery-service and tls-session-service must read the same warmwire.providers.file)",
                        BoundedText.escape(provider));
            }
            ProviderBudget budget = known == null ? null
                    : budgets.computeIfAbsent(fromSource(known.name(), source), n -> new ProviderBudget(known, newContext()));
            SiteQueue[] self = new SiteQueue[1];
            self[0] = new SiteQueue(siteKey, source == null ? null : source.name(), provider, budget,
                    budget != null ? budget.context : newContext(), vertx, walkers.apply(source),
                    rules.apply(siteKey, known), () -> closing, saturated, () -> sites.remove(k, self[0]),
                    job -> submit(siteKey, provider, source, job), dead, throttles);
            return self[0];
        });
    }

    /** Connections counted now against {@code provider}'s max-connections on this instance, all sources (gauge, tests). */
    public int providerConnections(String provider) {
        int n = 0;
        for (ProviderBudget b : budgets.values()) {
            if (b.name().equals(provider)) {
                n += b.count();
            }
        }
        return n;
    }

    /** Site queues in memory (tests: quiet sites retire). */
    public int sites() {
        return sites.size();
    }

    /** The next event loop's context, round-robin: sites spread over cores. */
    private Context newContext() {
        return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    }

    /** QUITs every connection (bounded by {@code wait}); later jobs are deferred. */
    public Future<Void> shutdown(Duration wait) {
        closing = true;
        List<Future<Void>> all = new ArrayList<>();
        for (SiteQueue q : sites.values()) {
            Promise<Void> p = Promise.promise();
            q.context().runOnContext(v -> q.shutdown().onComplete(p));
            all.add(p.future());
        }
        Promise<Void> done = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, wait.toMillis()), id -> done.tryComplete());
        Future.join(all).onComplete(ar -> {
            vertx.cancelTimer(timer);
            done.tryComplete();
        });
        return done.future();
    }

    /**
     * QUITs the idle connections of the sites whose shard key {@code which} accepts (their shard
     * moved to another instance); returns how many sites it asked. Runs on each site's event loop.
     */
    public int quitIdle(java.util.function.Predicate<String> which) {
        int n = 0;
        for (SiteQueue q : sites.values()) {
            if (which.test(q.shardKey())) {
                q.context().runOnContext(v -> q.quitIdle());
                n++;
            }
        }
        return n;
    }

    /** Sites with at least one live connection (a snapshot). */
    public int sitesWithConnections() {
        return (int) sites.values().stream().filter(q -> q.connections() > 0).count();
    }

    /** Live connections, all sites (a snapshot for tests and health). */
    public int connections() {
        return sites.values().stream().mapToInt(SiteQueue::connections).sum();
    }

    /** The site's queue state (its connections from the system's address), or null (tests). */
    public SiteQueue.Snapshot snapshot(String siteKey) {
        SiteQueue q = sites.get(siteKey);
        return q == null ? null : q.snapshot();
    }
}
