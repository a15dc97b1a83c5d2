package warmwire.session.readyq;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.text.BoundedText;
import warmwire.session.conn.CacheKey;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.conn.JobTransactions;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.Reply;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   SiteQueue - the ready queue and the live connections of one site.
 * DESCRIPTION
 *   Confined to one Vert.x context: every method runs on its event loop, so no locks.
 *   A job takes the most recently used idle connection whose {@link CacheKey} matches one of
 *   its endpoints (in endpoint order; surplus connections so idle out). With none idle, a new
 *   connection is opened for it only while the site is under its window and either has no
 *   connection yet, or a backlog (at least {@value #BACKLOG_PER_CONNECTION} waiting jobs per live
 *   connection) while it has fewer than {@code initialConcurrency} and no measured pace yet
 *   (a cold site; Postfix's initial destination concurrency: a burst gets its first connections
 *   at once, before its pace could say so; a warm site with a few jobs queued behind its
 *   connection opens none, so 1,000 warm sites with five jobs each cost no handshakes), or the
 *   ones it has cannot keep up: none is still opening, the waiting jobs
 *   would wait longer than {@code queueDelay} behind them (waiting jobs x the measured time
 *   per job, an exponentially weighted average, / live connections), the last connection added
 *   has shown its effect (a job finished per live connection since) and the pace per job has not
 *   slowed by more than a quarter since it was added (then the server, not our connections, is
 *   the limit: another one would only make every job slower), and the host
 *   is not CPU-saturated ({@code saturated}: more connections make a CPU-bound sender no faster,
 *   they only add handshakes). Otherwise the job waits for a connection to come back - mail waiting
 *   is not by itself a reason to open a connection. When its last connection ends the site is
 *   cold again: its pace and growth history are forgotten.
 *
 *   Slow start (Postfix's destination concurrency feedback): the window starts at
 *   {@code initialConcurrency}, grows by one after {@code window} successful transactions
 *   in a row, up to {@code maxConnections}; a failed connect/greeting/TLS setup or a 421
 *   halves it (at least 1). When opening fails and the site has no other connection, the
 *   job and every job waiting behind it are deferred with that error, and {@link DeadSites}
 *   hears that the site is dead (the cache defers its next jobs without connecting until the
 *   dead-site backoff has passed; trying each in turn would hold them for connect timeouts). When other connections are
 *   live the job goes back to the head of the queue (at most 3 times) to be served by them.
 *
 *   After a job, its connection goes back to the idle set unless broken, at its use limit,
 *   at its age limit, or the cache is closing (then QUIT). An idle connection gets a timer
 *   (idle timeout, or its remaining age if sooner) that QUITs it; a connection the server
 *   closes while idle (EOF, 421) leaves the idle set at once. A reused connection found dead
 *   at RSET or MAIL ({@link JobTransactions.Result#stale()}) is dropped and the job runs on
 *   a fresh connection (outside the window: it replaces the dead one), without a deferral.
 *   So does what a server left open when it ended the session (a 421 anywhere, a 4xx to MAIL
 *   on a reused connection: {@link JobTransactions}), once per job; a 4xx to MAIL after N
 *   transactions teaches the queue that the server takes N per connection, and the site's
 *   deliveries-per-connection limit drops to N for as long as the queue lives. A 421 on a
 *   fresh connection halves the window (overload); one that ends a reused connection does not.
 *
 *   A queue serves one site from one egress source (or from the system's address): its
 *   window, limits and throttle are the source's towards the site.
 *
 *   A site of a mailbox provider ({@link ProviderBudget}) is also under the provider's limits
 *   unless it has its own ({@link SiteRules}): a connection opens only while the provider is
 *   under its max-connections (else the job waits for one of the provider's connections to
 *   end; a site with none asks another of the provider's sites to close an idle one), and its
 *   messages and new connections take the provider's rates. The provider's deliveries per
 *   connection are in the site's limits.
 *
 *   A queue with no connection and no job for {@code idleTimeout} retires ({@code onRetire}
 *   removes it from the cache); a job that reaches a retired queue is handed back to the cache
 *   ({@code resubmit}), which makes a new one. So a site costs nothing once it is quiet.
 */
public final class SiteQueue {
    private static final Logger LOG = Logger.getLogger(SiteQueue.class);

    /**
     * A job waiting in or running from the queue. {@code positions} are the recipients still to
     * run (all at first; after the server ended a session, those it left open), {@code earlier}
     * the transactions that ran on a connection the server ended, {@code resumed} whether the
     * job already went on to a fresh connection once.
     */
    static final class Job {
        final List<Endpoint> endpoints;
        final TlsLevel level;
        final Envelope envelope;
        final Promise<DeliveryAttempt> promise;
        int requeues;
        int[] positions;
        final List<DeliveryAttempt.Part> earlier = new ArrayList<>();
        boolean resumed;

        Job(List<Endpoint> endpoints, TlsLevel level, Envelope envelope, Promise<DeliveryAttempt> promise) {
            this.endpoints = endpoints;
            this.level = level;
            this.envelope = envelope;
            this.promise = promise;
            this.positions = JobTransactions.all(envelope);
        }

        List<Endpoint> endpoints() {
            return endpoints;
        }

        TlsLevel level() {
            return level;
        }

        Envelope envelope() {
            return envelope;
        }

        /** What this job's attempt changed at the site (a throttle), for its deferred recipients' events. */
        String note;

        Promise<DeliveryAttempt> promise() {
            return promise;
        }

        /** The parts that ran before, then these. */
        List<DeliveryAttempt.Part> with(List<DeliveryAttempt.Part> parts) {
            if (earlier.isEmpty()) {
                return parts;
            }
            List<DeliveryAttempt.Part> all = new ArrayList<>(earlier);
            all.addAll(parts);
            return all;
        }
    }

    /** What tests and health see. */
    public record Snapshot(int window, int connections, int idle, int busy, int waiting, long opened) {
    }

    private final String key;
    private final Context context;
    private final Vertx vertx;
    private final EndpointWalker walker;
    private final ConnectionLimits limits;
    private final BooleanSupplier closing;
    private final String helo;
    private final BooleanSupplier saturated;
    private final Runnable onRetire;
    private final java.util.function.Consumer<Job> resubmit;
    private final DeadSites dead;
    private final Throttles throttles;
    /** What a throttle is held and published under: the site key, and the egress source when there is one. */
    private final String throttleKey;
    /** The provider named in the site's jobs, or null; its shared limits (null: none known here). */
    private final String provider;
    private final ProviderBudget budget;
    /** The site's connections count in the provider's max-connections. */
    private final boolean sharesConnections;
    /** Joined the budget's members (on this context, at the first job). */
    private boolean joined;
    /** Another site of the provider was asked to close an idle connection for this one, not yet used. */
    private boolean reclaimAsked;
    /** The site's message rate (null = none) and new-connection rate (null = none). */
    private final Gcra messages;
    private final Gcra connections;
    private long rateTimer = -1;
    private long rateTimerAt;
    /** The throttle in force (a receiver asked to slow down; its deliveries per connection hold), or null. */
    private Throttles.Throttle throttle;
    /** The window before the throttle, restored when it ends. */
    private int windowBefore;
    private long throttleTimer = -1;
    /**
     * Until when (System.nanoTime) no connection is opened because a connection setup was
     * answered with a request to slow down, and that reply (jobs wait for no connection meanwhile:
     * they are deferred with it); 0 = none.
     */
    private long connectPauseUntil;
    private SmtpFailure connectPauseFailure;
    /** The longest a refused connection setup pauses new connections (shorter with a shorter hold). */
    static final Duration MAX_CONNECT_PAUSE = Duration.ofMinutes(1);

    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final ArrayList<CachedConnection> idle = new ArrayList<>();
    private final List<CachedConnection> live = new ArrayList<>();
    private int opening;
    private int busy;
    private int window;
    private int successes;
    private long opened;
    private Promise<Void> drained;
    private long serviceNanos; // EWMA of the time a job holds a connection; 0 = not measured yet
    /** Waiting jobs per live connection that make a backlog: the initial window opens for it at once. */
    static final int BACKLOG_PER_CONNECTION = 4;
    private long paceAtGrowth; // serviceNanos when a connection was last added beside others; 0 = never
    private int jobsSinceGrowth; // jobs finished since then: the pace is known again after one per connection
    /** Deliveries per connection the server allows, learnt from a refused session (MAX_VALUE = none seen). */
    private int sessionLimit = Integer.MAX_VALUE;
    private long retireTimer = -1;
    private boolean retired;
    private volatile Snapshot snapshot;

    SiteQueue(String key, Context context, Vertx vertx, EndpointWalker walker, ConnectionLimits limits,
              BooleanSupplier closing, BooleanSupplier saturated, Runnable onRetire,
              java.util.function.Consumer<Job> resubmit, DeadSites dead, Throttles throttles) {
        this(key, null, null, null, context, vertx, walker, SiteRules.of(limits), closing, saturated, onRetire, resubmit, dead,
                throttles);
    }

    /**
     * @param provider the provider its jobs name (null: none); {@code budget} that provider's
     *                 shared limits (null: none known here), whose context {@code context} is
     */
    SiteQueue(String key, String source, String provider, ProviderBudget budget, Context context, Vertx vertx,
              EndpointWalker walker, SiteRules rules, BooleanSupplier closing, BooleanSupplier saturated, Runnable onRetire,
              java.util.function.Consumer<Job> resubmit, DeadSites dead, Throttles throttles) {
        ConnectionLimits limits = rules.limits();
        this.key = key;
        this.throttleKey = source == null ? key : key + " from " + source;
        this.provider = provider;
        this.budget = budget;
        this.sharesConnections = budget != null && !rules.ownConnections();
        this.context = context;
        this.vertx = vertx;
        this.walker = walker;
        this.limits = limits;
        this.closing = closing;
        this.helo = walker.settings().heloName();
        this.saturated = saturated;
        this.onRetire = onRetire;
        this.resubmit = resubmit;
        this.dead = dead;
        this.throttles = throttles;
        this.messages = budget != null && budget.messages != null && !rules.ownMessageRate() ? budget.messages
                : Gcra.of(limits.messageRate(), limits.messageBurst());
        this.connections = budget != null && budget.connections != null && !rules.ownConnectionRate() ? budget.connections
                : Gcra.of(limits.connectionRate() / 60.0, limits.connectionBurst());

        this.window = Math.min(limits.initialConcurrency(), limits.maxConnections());
        Throttles.Throttle t = throttles.active(throttleKey); // the throttle of a retired queue of this site
        if (t != null) {
            adopt(t, window);
        }
        publish();
    }

    /** The site key. */
    String key() {
        return key;
    }

    /** The key of the site's shard: its provider's when it has one (contracts Site.shardKey). */
    String shardKey() {
        return provider == null ? key : warmwire.contracts.route.Site.shardKeyOf(provider);
    }

    /** The provider's budget has room again (a connection of another of its sites ended). */
    void pumpFromBudget() {
        reclaimAsked = false;
        if (!retired && !closing.getAsBoolean()) {
            pump();
        }
    }

    /** Closes the longest-idle connection, if any, for another site of the provider; true if one was. */
    boolean quitLongestIdle() {
        if (idle.isEmpty()) {
            return false;
        }
        CachedConnection oldest = idle.get(0);
        unidle(oldest);
        oldest.session.quit(); // closed() releases it to the budget
        publish();
        return true;
    }

    Context context() {
        return context;
    }

    void submit(Job job) {
        if (budget != null && !joined && !retired) {
            joined = true;
            budget.join(this); // on the budget's event loop: its members are touched only there
        }
        if (retired) {
            resubmit.accept(job); // raced with retirement: the cache makes a new queue
            return;
        }
        if (closing.getAsBoolean()) {
            job.promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "delivery to " + key + " deferred: the service is shutting down")));
            return;
        }
        if (waiting.size() + busy + opening >= limits.maxWaitingPerSite()) {
            job.promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "too many jobs waiting for site " + key + " (limit " + limits.maxWaitingPerSite() + "); deferred")));
            return;
        }
        waiting.add(job);
        pump();
    }

    private void pump() {
        while (!waiting.isEmpty()) {
            Job job = waiting.peek();
            long now = System.nanoTime();
            long wait = messages == null ? 0 : messages.waitNanos(now);
            if (wait > 0) { // the site's message rate: the job waits for its turn, on this site alone
                paceLater(now, wait);
                break;
            }
            CachedConnection c = takeIdle(job);
            if (c != null) {
                waiting.poll();
                if (messages != null) {
                    messages.force(now);
                }
                run(c, job, true, 0);
                continue;
            }
            if (!shouldOpen(job)) {
                if (opening == 0 && matching(job) == 0 && !idle.isEmpty()) {
                    // the window is full of connections that cannot serve this job (another
                    // endpoint or TLS level): make room by closing the longest-idle one
                    CachedConnection oldest = idle.get(0);
                    unidle(oldest);
                    oldest.session.quit(); // closed() pumps again
                }
                break;
            }
            if (connectPauseUntil != 0 && now - connectPauseUntil < 0) {
                if (live.isEmpty() && opening == 0) { // nothing can serve them: deferred with the receiver's reply
                    while (!waiting.isEmpty()) {
                        Job j = waiting.poll();
                        j.promise().complete(new DeliveryAttempt(null, List.of(), new SmtpFailure(connectPauseFailure.kind(),
                                connectPauseFailure.state(), connectPauseFailure.reply(), "site " + key + ": no connection"
                                + " before the receiver's request to slow down has been heeded for a while (it said: "
                                + connectPauseFailure.getMessage() + ")"), null, 0, 0, 0));
                    }
                    break;
                }
                paceLater(now, connectPauseUntil - now); // the live connections serve meanwhile
                break;
            }
            long connectionWait = connections == null ? 0 : connections.waitNanos(now);
            if (connectionWait > 0) { // the site's new-connection rate
                paceLater(now, connectionWait);
                break;
            }
            waiting.poll();
            if (messages != null) {
                messages.force(now);
            }
            if (connections != null) {
                connections.force(now);
            }
            if (live.size() + opening > 0 && serviceNanos > 0) {
                paceAtGrowth = serviceNanos; // growth: remember the pace it was meant to beat
                jobsSinceGrowth = 0;
            }
            open(job);
        }
        publish();
        maybeRetire();
    }

    /** Pumps again once {@code wait} has passed (the earliest of the rates' waits). */
    private void paceLater(long now, long wait) {
        long at = now + wait;
        if (rateTimer >= 0) {
            if (rateTimerAt - at <= 0) {
                return;
            }
            vertx.cancelTimer(rateTimer);
        }
        rateTimerAt = at;
        rateTimer = vertx.setTimer(Math.max(1, (wait + 999_999) / 1_000_000), id -> context.runOnContext(v -> {
            rateTimer = -1;
            pump();
        }));
    }

    private boolean quiet() {
        return live.isEmpty() && waiting.isEmpty() && opening == 0 && busy == 0;
    }

    private void maybeRetire() {
        if (retired || retireTimer >= 0 || !quiet() || drained != null) {
            return;
        }
        retireTimer = vertx.setTimer(Math.max(1, limits.idleTimeout().toMillis()), id -> {
            retireTimer = -1;
            if (quiet() && !retired) {
                retired = true;
                if (budget != null) {
                    budget.leave(this);
                }
                onRetire.run();
            } else {
                maybeRetire();
            }
        });
    }

    private CachedConnection takeIdle(Job job) {
        for (Endpoint ep : job.endpoints()) {
            CacheKey k = CacheKey.of(ep, job.level(), helo);
            for (int i = idle.size() - 1; i >= 0; i--) { // most recently used first
                CachedConnection c = idle.get(i);
                if (c.key.equals(k) && c.session.usable()) {
                    unidle(c);
                    return c;
                }
            }
        }
        return null;
    }

    private boolean shouldOpen(Job job) {
        int total = live.size() + opening;
        if (total >= Math.min(window, limits.maxConnections())) {
            return false;
        }
        if (sharesConnections && budget.full()) {
            // the provider's connections are all in use: wait for one of them to end; a site
            // with none at all has another site of the provider give up an idle one
            budget.await(this);
            if (total == 0 && !reclaimAsked) {
                reclaimAsked = budget.reclaimIdle(this); // once: its close wakes this queue
            }
            return false;
        }
        if (total == 0) {
            return true;
        }
        if (opening > 0) {
            return false; // one at a time
        }
        int serving = matching(job);
        if (serving == 0) {
            return true; // none of the live connections can take this job
        }
        if (serviceNanos == 0) {
            // a cold site: no pace to judge by. A backlog gets the initial window at once; a
            // warm site (pace known) grows by its pace alone, so a few jobs queued behind a
            // warm connection do not each cost a handshake
            return total < limits.initialConcurrency() && waiting.size() >= BACKLOG_PER_CONNECTION * total
                    && !saturated.getAsBoolean();
        }
        double delay = (double) waiting.size() * serviceNanos / serving;
        if (delay <= limits.queueDelay().toNanos()) {
            return false;
        }
        if (paceAtGrowth > 0 && (jobsSinceGrowth < live.size() || serviceNanos > paceAtGrowth + paceAtGrowth / 4)) {
            // the last connection's effect is not measured yet, or each job got slower since it
            // was added: the server is the limit, not our connections
            return false;
        }
        return !saturated.getAsBoolean();
    }

    /** Live connections that could serve the job (its endpoints at its TLS level). */
    private int matching(Job job) {
        int n = 0;
        for (CachedConnection c : live) {
            for (Endpoint ep : job.endpoints()) {
                if (c.key.equals(CacheKey.of(ep, job.level(), helo))) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    private void open(Job job) {
        opening++;
        opened++;
        if (sharesConnections) {
            budget.acquire();
            reclaimAsked = false;
        }
        walker.open(shardKey(), job.endpoints(), job.level()).onComplete(ar -> {
            opening--;
            EndpointWalker.Opened o = ar.succeeded() ? ar.result() // the walker's futures never fail; should one...
                    : new EndpointWalker.Opened(null, null, null, new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT,
                    null, "internal error while connecting to site " + key + ": " + ar.cause()), 0);
            if (o.session() == null) {
                boolean slowDown = o.failure() != null && throttles.asksToSlowDown(o.failure().reply());
                if (slowDown) {
                    job.note = throttle(o.failure().reply(), o.answered() == null ? null : o.answered().relay());
                    // no new connection for a while: otherwise every waiting job would open one
                    // at once against a receiver that just asked for fewer
                    long pause = Math.min(throttles.hold().toNanos(), MAX_CONNECT_PAUSE.toNanos());
                    connectPauseUntil = System.nanoTime() + Math.max(1, pause);
                    connectPauseFailure = o.failure();
                } else {
                    shrink();
                }
                publish();
                if (!live.isEmpty() && job.requeues < 3 && !closing.getAsBoolean()) {
                    job.requeues++;
                    waiting.addFirst(job); // the live connections will serve it
                } else {
                    DeliveryAttempt failed = new DeliveryAttempt(o.answered(), job.with(List.of()), o.failure(), null, 0,
                            o.connectNanos(), 0, job.note);
                    // a receiver that asks to slow down is not dead: its site is throttled instead
                    boolean cohortFailed = live.isEmpty() && opening == 0 && !slowDown;
                    if (cohortFailed) {
                        dead.dead(key, o.failure()); // the whole cohort failed: known before anyone hears of it
                    }
                    job.promise().complete(failed);
                    if (cohortFailed || slowDown && live.isEmpty() && opening == 0) {
                        while (!waiting.isEmpty()) { // dead or pausing site: the same error for everyone waiting
                            waiting.poll().promise().complete(failed);
                        }
                    }
                }
                if (sharesConnections) {
                    budget.release(); // it did not open: the provider's sites waiting may try, oldest first
                }
                pump();
                return;
            }
            dead.alive(key);
            CachedConnection c = new CachedConnection(o.session(), CacheKey.of(o.endpoint(), job.level(), helo),
                    o.endpoint(), System.nanoTime());
            live.add(c);
            c.session.onClosed(() -> closed(c));
            if (c.closed) { // closed before we looked
                job.promise().complete(new DeliveryAttempt(o.endpoint(), job.with(List.of()), c.session.failure(), null, 0,
                        o.connectNanos(), 0));
                pump();
                return;
            }
            run(c, job, false, o.connectNanos());
            pump();
        });
    }

    private void run(CachedConnection c, Job job, boolean reused, long connectNanos) {
        busy++;
        long t0 = System.nanoTime();
        JobTransactions.run(c.session, job.envelope(), job.positions, reused, limits.recipientsPerTransaction(),
                !job.resumed).onComplete(ar -> {
            busy--;
            JobTransactions.Result r = ar.result();
            Reply slowDown = slowDown(r.parts());
            if (slowDown != null) {
                job.note = throttle(slowDown, c.endpoint.relay());
            }
            if (r.resumes()) {
                // the server ended the session (or the reused connection was found dead): not a
                // failed delivery; what it left open goes on a fresh connection at once (outside
                // the window: it replaces this one), once per job
                if (r.sessionLimit() > 0 && r.sessionLimit() < sessionLimit) {
                    sessionLimit = r.sessionLimit();
                    LOG.infof("site %s: %s ended the session after %d deliveries; deliveries per connection now %d",
                            BoundedText.escape(key), BoundedText.escape(c.endpoint.relay()), r.sessionLimit(), sessionLimit);
                }
                if (!r.stale()) {
                    walker.events().reused(Math.max(0, r.parts().size() - (r.firstUse() > 1 ? 0 : 1)));
                    if (slowDown == null && r.firstUse() == 1
                            && r.parts().stream().anyMatch(pt -> JobTransactions.saw421(pt.result()))) {
                        shrink(); // a fresh connection answered 421: the server is overloaded
                    }
                    job.resumed = true;
                }
                job.earlier.addAll(r.parts());
                job.positions = r.resume();
                c.session.quit(); // QUIT where the server still talks; closed() follows
                if (connections != null) {
                    connections.force(System.nanoTime()); // it replaces a connection: counted, not delayed
                }
                open(job);
                publish();
                return;
            }
            // transactions on a connection that had carried one before (this job's first on a
            // cached connection, and every further one of the job)
            walker.events().reused(Math.max(0, r.parts().size() - (r.firstUse() > 1 ? 0 : 1)));
            feedback(r, slowDown != null);
            if (r.failure() == null) {
                long took = System.nanoTime() - t0;
                serviceNanos = serviceNanos == 0 ? took : serviceNanos + (took - serviceNanos) / 5;
                jobsSinceGrowth++;
            }
            publish();
            job.promise().complete(new DeliveryAttempt(c.endpoint, job.with(r.parts()), r.failure(), c.session.tls(), r.firstUse(),
                    reused ? System.nanoTime() - t0 - r.transmitNanos() : connectNanos, r.transmitNanos(), job.note));
            release(c);
            pump();
        });
    }

    /** @param throttled this job's replies throttled the site already (its window was halved once) */
    private void feedback(JobTransactions.Result r, boolean throttled) {
        boolean ok = r.failure() == null;
        for (DeliveryAttempt.Part p : r.parts()) {
            if (JobTransactions.saw421(p.result())) {
                if (!throttled) {
                    shrink();
                }
                return;
            }
        }
        if (ok && ++successes >= window && throttle == null) { // no growth while throttled
            successes = 0;
            window = Math.min(window + 1, limits.maxConnections());
        }
    }

    /** Transactions per connection: the configured limit, or less where the server showed its own. */
    private int maxDeliveriesPerConnection() {
        int max = Math.min(limits.maxDeliveriesPerConnection(), sessionLimit);
        return throttle == null ? max : Math.min(max, throttle.deliveriesPerConnection());
    }

    /** The first reply of these transactions that asks the sender to slow down, or null. */
    private Reply slowDown(List<DeliveryAttempt.Part> parts) {
        for (DeliveryAttempt.Part p : parts) {
            TransactionResult t = p.result();
            if (t == null) {
                continue;
            }
            for (Reply r : new Reply[] {t.rset(), t.mail(), t.data(), t.dataDone()}) {
                if (throttles.asksToSlowDown(r)) {
                    return r;
                }
            }
            for (int i = 0; i < t.recipients(); i++) {
                if (throttles.asksToSlowDown(t.rcpt(i))) {
                    return t.rcpt(i);
                }
            }
        }
        return null;
    }

    /**
     * The receiver asked to slow down with {@code reply}: the site's limits halve
     * ({@link #throttleSite}), and so does its provider's max-connections when the site counts in
     * it (providers count per sending IP, across their domains: {@link ProviderBudget#throttle}).
     * Returns what changed, for the events of the recipients left deferred.
     */
    private String throttle(Reply reply, String relay) {
        Instant until = throttles.now().plus(throttles.hold());
        String site = throttleSite(reply, relay, until);
        String provider = sharesConnections ? budget.throttle(throttles.hold(), until, vertx) : null;
        return provider == null ? site : site + "; " + provider;
    }

    /**
     * The window and the deliveries per connection halve (at least 1) for the hold; if already
     * throttled, the hold is longer and the limits stay as they are.
     */
    private String throttleSite(Reply reply, String relay, Instant until) {
        String cause = BoundedText.truncate(reply.toString(), BoundedText.MAX_REASON);
        if (throttle != null) {
            // already throttled: the same request again (each connection that was open hears it)
            // holds the halved limits longer; it does not halve them once more
            boolean publish = throttles.now().isAfter(throttle.until().minus(throttles.hold().dividedBy(2)));
            throttle = new Throttles.Throttle(throttleKey, throttle.since(), until, cause, relay, window,
                    throttle.deliveriesPerConnection(), false);
            armThrottleTimer(until);
            throttles.extend(throttle, publish); // published at most twice a hold
            return "site " + throttleKey + " still throttled: window " + window + ", deliveries per connection "
                    + throttle.deliveriesPerConnection() + " until " + until;
        }
        int beforeWindow = window;
        int beforeDeliveries = maxDeliveriesPerConnection();
        windowBefore = window;
        window = Math.max(1, window / 2);
        successes = 0;
        int deliveries = Math.max(1, beforeDeliveries == Integer.MAX_VALUE ? 1 : beforeDeliveries / 2);
        throttle = new Throttles.Throttle(throttleKey, throttles.now(), until, cause, relay, window, deliveries, false);
        armThrottleTimer(until);
        throttles.start(throttle);
        return "site " + throttleKey + " throttled: window " + beforeWindow + " -> " + window + ", deliveries per connection "
                + (beforeDeliveries == Integer.MAX_VALUE ? "unlimited" : String.valueOf(beforeDeliveries)) + " -> "
                + deliveries + " until " + until;
    }

    /** Takes over a throttle still in force from a retired queue of this site. */
    private void adopt(Throttles.Throttle t, int initialWindow) {
        throttle = t;
        windowBefore = initialWindow;
        window = Math.min(window, t.window());
        armThrottleTimer(t.until());
    }

    private void armThrottleTimer(Instant until) {
        if (throttleTimer >= 0) {
            vertx.cancelTimer(throttleTimer);
        }
        long ms = Math.max(1, Duration.between(throttles.now(), until).toMillis());
        throttleTimer = vertx.setTimer(ms, id -> context.runOnContext(v -> endThrottle(until)));
    }

    /** The hold passed: the limits from before the throttle again. */
    private void endThrottle(Instant until) {
        throttleTimer = -1;
        if (throttle == null || !throttle.until().equals(until)) {
            return; // a later throttle holds longer
        }
        throttles.end(throttleKey, until);
        if (retired) {
            return;
        }
        throttle = null;
        window = Math.min(Math.max(window, windowBefore), limits.maxConnections());
        successes = 0;
        publish();
        pump();
    }

    private void shrink() {
        window = Math.max(1, window / 2);
        successes = 0;
    }

    private void release(CachedConnection c) {
        if (c.closed) {
            return;
        }
        long now = System.nanoTime();
        long ageLeft = limits.maxConnectionAge().toNanos() - c.ageNanos(now);
        if (!c.session.usable() || closing.getAsBoolean() || c.session.deliveries() >= maxDeliveriesPerConnection() || ageLeft <= 0
                || sharesConnections && waiting.isEmpty() && budget.othersWaiting(this)) {
            // (the last: another site of the provider waits for a connection this one would hold idle)
            c.session.quit(); // QUIT when it still talks, else close; closed() follows
            return;
        }
        c.idle = true;
        idle.add(c);
        long wait = Math.max(1, Math.min(limits.idleTimeout().toMillis(), ageLeft / 1_000_000));
        c.idleTimer = vertx.setTimer(wait, id -> {
            c.idleTimer = -1;
            if (c.idle) {
                unidle(c);
                c.session.quit();
                publish();
            }
        });
    }

    /** Takes {@code c} out of the idle set, if there, and cancels its idle timer. */
    private void unidle(CachedConnection c) {
        if (c.idle) {
            idle.remove(c);
            c.idle = false;
        }
        if (c.idleTimer >= 0) {
            vertx.cancelTimer(c.idleTimer);
            c.idleTimer = -1;
        }
    }

    /** The connection ended (QUIT, server close, error): forget it. */
    private void closed(CachedConnection c) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        live.remove(c);
        unidle(c);
        if (live.isEmpty() && opening == 0) {
            // the site went cold: its pace and growth history no longer describe it (Postfix
            // likewise starts a destination over at its initial concurrency)
            serviceNanos = 0;
            paceAtGrowth = 0;
            jobsSinceGrowth = 0;
        }
        publish(); // before anyone waiting on drained looks at the counts
        if (drained != null && live.isEmpty()) {
            drained.tryComplete();
        }
        if (sharesConnections) {
            budget.release(); // the provider's sites waiting may open one now, oldest first, then this one
        }
        pump();
    }

    /** QUITs the idle connections (their shard moved to another instance); busy ones finish first. */
    void quitIdle() {
        for (CachedConnection c : new ArrayList<>(idle)) {
            unidle(c);
            c.session.quit();
        }
        publish();
    }

    Future<Void> shutdown() {
        drained = Promise.promise();
        while (!waiting.isEmpty()) {
            waiting.poll().promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "delivery to " + key + " deferred: the service is shutting down")));
        }
        for (CachedConnection c : new ArrayList<>(idle)) {
            unidle(c);
            c.session.quit();
        }
        if (live.isEmpty()) {
            drained.tryComplete();
        }
        publish();
        return drained.future();
    }

    private static DeliveryAttempt local(SmtpFailure f) {
        return new DeliveryAttempt(null, List.of(), f, null, 0, 0, 0);
    }

    private void publish() {
        snapshot = new Snapshot(window, live.size(), idle.size(), busy, waiting.size(), opened);
    }

    int connections() {
        Snapshot s = snapshot;
        return s == null ? 0 : s.connections();
    }

    Snapshot snapshot() {
        return snapshot;
    }
}
