package warmwire.session.readyq;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
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
 *   connection yet or more than {@code backlogPerConnection} jobs wait per busy or opening
 *   connection; otherwise the job waits for a connection to come back.
 *
 *   Slow start (Postfix's destination concurrency feedback): the window starts at
 *   {@code initialConcurrency}, grows by one after {@code window} successful transactions
 *   in a row, up to {@code maxConnections}; a failed connect/greeting/TLS setup or a 421
 *   halves it (at least 1). When opening fails and the site has no other connection, the
 *   job and every job waiting behind it are deferred with that error (the site is dead now;
 *   trying each in turn would hold them for connect timeouts). When other connections are
 *   live the job goes back to the head of the queue (at most 3 times) to be served by them.
 *
 *   After a job, its connection goes back to the idle set unless broken, at its use limit,
 *   at its age limit, or the cache is closing (then QUIT). An idle connection gets a timer
 *   (idle timeout, or its remaining age if sooner) that QUITs it; a connection the server
 *   closes while idle (EOF, 421) leaves the idle set at once. A reused connection found dead
 *   at RSET or MAIL ({@link JobTransactions.Result#stale()}) is dropped and the job runs on
 *   a fresh connection (outside the window: it replaces the dead one), without a deferral.
 */
public final class SiteQueue {

    /** A job waiting in or running from the queue. */
    record Job(List<Endpoint> endpoints, TlsLevel level, Envelope envelope, Promise<DeliveryAttempt> promise,
               int[] requeues) {
        Job(List<Endpoint> endpoints, TlsLevel level, Envelope envelope, Promise<DeliveryAttempt> promise) {
            this(endpoints, level, envelope, promise, new int[1]);
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

    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final ArrayList<CachedConnection> idle = new ArrayList<>();
    private final List<CachedConnection> live = new ArrayList<>();
    private int opening;
    private int busy;
    private int window;
    private int successes;
    private long opened;
    private Promise<Void> drained;
    private volatile Snapshot snapshot;

    SiteQueue(String key, Context context, Vertx vertx, EndpointWalker walker, ConnectionLimits limits,
              BooleanSupplier closing) {
        this.key = key;
        this.context = context;
        this.vertx = vertx;
        this.walker = walker;
        this.limits = limits;
        this.closing = closing;
        this.helo = walker.settings().heloName();
        this.window = Math.min(limits.initialConcurrency(), limits.maxConnections());
        publish();
    }

    Context context() {
        return context;
    }

    void submit(Job job) {
        if (closing.getAsBoolean()) {
            job.promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "delivery to " + key + " deferred: the service is shutting down")));
            return;
        }
        if (waiting.size() + busy + opening >= limits.maxWaiting()) {
            job.promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "too many jobs waiting for site " + key + " (limit " + limits.maxWaiting() + "); deferred")));
            return;
        }
        waiting.add(job);
        pump();
    }

    private void pump() {
        while (!waiting.isEmpty()) {
            Job job = waiting.peek();
            CachedConnection c = takeIdle(job);
            if (c != null) {
                waiting.poll();
                run(c, job, true, 0);
                continue;
            }
            if (!shouldOpen()) {
                break;
            }
            waiting.poll();
            open(job);
        }
        publish();
    }

    private CachedConnection takeIdle(Job job) {
        for (Endpoint ep : job.endpoints()) {
            CacheKey k = CacheKey.of(ep, job.level(), helo);
            for (int i = idle.size() - 1; i >= 0; i--) { // most recently used first
                CachedConnection c = idle.get(i);
                if (c.key.equals(k) && c.session.usable()) {
                    idle.remove(i);
                    c.idle = false;
                    if (c.idleTimer >= 0) {
                        vertx.cancelTimer(c.idleTimer);
                        c.idleTimer = -1;
                    }
                    return c;
                }
            }
        }
        return null;
    }

    private boolean shouldOpen() {
        int total = live.size() + opening;
        if (total >= Math.min(window, limits.maxConnections())) {
            return false;
        }
        if (total == 0) {
            return true;
        }
        return waiting.size() > (long) (busy + opening) * limits.backlogPerConnection();
    }

    private void open(Job job) {
        opening++;
        opened++;
        walker.open(job.endpoints(), job.level()).onComplete(ar -> {
            opening--;
            EndpointWalker.Opened o = ar.result();
            if (o.session() == null) {
                shrink();
                publish();
                if (!live.isEmpty() && job.requeues()[0] < 3 && !closing.getAsBoolean()) {
                    job.requeues()[0]++;
                    waiting.addFirst(job); // the live connections will serve it
                } else {
                    DeliveryAttempt failed = new DeliveryAttempt(o.answered(), List.of(), o.failure(), null, 0,
                            o.connectNanos(), 0);
                    job.promise().complete(failed);
                    if (live.isEmpty() && opening == 0) {
                        while (!waiting.isEmpty()) { // dead site: the same error for everyone waiting
                            waiting.poll().promise().complete(failed);
                        }
                    }
                }
                pump();
                return;
            }
            CachedConnection c = new CachedConnection(o.session(), CacheKey.of(o.endpoint(), job.level(), helo),
                    o.endpoint(), System.nanoTime());
            live.add(c);
            c.session.onClosed(() -> closed(c));
            if (c.closed) { // closed before we looked
                job.promise().complete(new DeliveryAttempt(o.endpoint(), List.of(), c.session.failure(), null, 0,
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
        JobTransactions.run(c.session, job.envelope(), reused, limits.recipientsPerTransaction()).onComplete(ar -> {
            busy--;
            JobTransactions.Result r = ar.result();
            if (r.stale()) {
                c.session.close(); // dropped, not a failed delivery: a fresh connection takes the job
                open(job);
                publish();
                return;
            }
            feedback(r);
            publish();
            job.promise().complete(new DeliveryAttempt(c.endpoint, r.parts(), r.failure(), c.session.tls(), r.firstUse(),
                    reused ? System.nanoTime() - t0 - r.transmitNanos() : connectNanos, r.transmitNanos()));
            release(c);
            pump();
        });
    }

    private void feedback(JobTransactions.Result r) {
        boolean ok = r.failure() == null;
        for (DeliveryAttempt.Part p : r.parts()) {
            if (saw421(p.result())) {
                shrink();
                return;
            }
        }
        if (ok && ++successes >= window) {
            successes = 0;
            window = Math.min(window + 1, limits.maxConnections());
        }
    }

    private static boolean saw421(TransactionResult t) {
        if (is421(t.mail()) || is421(t.data()) || is421(t.dataDone())) {
            return true;
        }
        for (int i = 0; i < t.recipients(); i++) {
            if (is421(t.rcpt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean is421(Reply r) {
        return r != null && r.code() == 421;
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
        long ageLeft = limits.maxAge().toNanos() - c.ageNanos(now);
        if (!c.session.usable() || closing.getAsBoolean() || c.session.transactions() >= limits.maxUses() || ageLeft <= 0) {
            c.session.quit(); // QUIT when it still talks, else close; closed() follows
            return;
        }
        c.idle = true;
        idle.add(c);
        long wait = Math.max(1, Math.min(limits.idleTimeout().toMillis(), ageLeft / 1_000_000));
        c.idleTimer = vertx.setTimer(wait, id -> {
            c.idleTimer = -1;
            if (c.idle) {
                idle.remove(c);
                c.idle = false;
                c.session.quit();
                publish();
            }
        });
    }

    /** The connection ended (QUIT, server close, error): forget it. */
    private void closed(CachedConnection c) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        live.remove(c);
        if (c.idle) {
            idle.remove(c);
            c.idle = false;
        }
        if (c.idleTimer >= 0) {
            vertx.cancelTimer(c.idleTimer);
            c.idleTimer = -1;
        }
        publish(); // before anyone waiting on drained looks at the counts
        if (drained != null && live.isEmpty()) {
            drained.tryComplete();
        }
        pump();
    }

    Future<Void> shutdown() {
        drained = Promise.promise();
        while (!waiting.isEmpty()) {
            waiting.poll().promise().complete(local(new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "delivery to " + key + " deferred: the service is shutting down")));
        }
        for (CachedConnection c : new ArrayList<>(idle)) {
            idle.remove(c);
            c.idle = false;
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
