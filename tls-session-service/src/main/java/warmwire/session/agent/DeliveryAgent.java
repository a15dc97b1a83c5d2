package warmwire.session.agent;

import io.quarkus.runtime.Startup;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.text.BoundedText;
import warmwire.session.SessionConfig;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.conn.Source;
import java.util.List;
import warmwire.contracts.route.Endpoint;
import warmwire.session.metrics.SessionMetrics;
import warmwire.session.outcome.OutcomeBuilder;
import warmwire.session.readyq.ConnectionCache;
import warmwire.session.smtp.Envelope;

/**
 * NAME
 *   DeliveryAgent - delivers one job and returns its outcome; never fails.
 * DESCRIPTION
 *   Delivers with the SMTP engine {@link SessionWiring} makes out of the configuration (the
 *   endpoint walker and the connection cache). The job's TLS level is raised to the configured
 *   floor.
 *   A job whose addresses cannot be put on the wire
 *   is bounced without connecting; an unexpected internal error defers every recipient
 *   ({@link OutcomeBuilder#local}).
 *   Jobs go through the {@link ConnectionCache} (per-site ready queues, reused connections)
 *   unless {@code warmwire.session.connection-cache=false}; {@link ShardedEngine} QUITs its
 *   connections at shutdown.
 *   Each outcome is logged in one line (INFO when a recipient was not delivered, DEBUG when
 *   all were: every delivery has its Postfix-style line already, from OutcomeRecords or
 *   queue-service), with conn_use, and counted
 *   ({@link SessionMetrics}: finished jobs here; connections, handshakes and reuse through the
 *   walker).
 *   The job's body (raw bytes after its envelope on mail.deliver) goes into the Envelope as it is.
 *   The job's egress source is chosen here ({@link Egress}: by its site, its tenant, or the
 *   default pool) and named in its outcome.
 */
@Startup
@ApplicationScoped
public class DeliveryAgent {
    private static final Logger LOG = Logger.getLogger(DeliveryAgent.class);
    /** Past this many characters, an outcome's log line names no more recipients. */
    static final int MAX_LOG_LINE = 8192;

    private final SessionConfig config;
    private final EndpointWalker walker;
    private final Egress egress;
    private final ConnectionCache cache;
    private final SessionMetrics metrics;

    /** The engine's parts come from {@link SessionWiring}; {@code cache} is empty when off. */
    @Inject
    public DeliveryAgent(SessionConfig config, EndpointWalker walker, Optional<ConnectionCache> cache, SessionMetrics metrics,
                         Egress egress) {
        this.config = config;
        this.walker = walker;
        this.egress = egress;
        this.cache = cache.orElse(null);
        this.metrics = metrics;
    }

    public Future<DeliveryOutcome> deliver(DeliveryJob job) {
        String[] chosen = {null}; // the source's label once chosen, for the outcome of an internal error too
        try {
            Envelope env;
            try {
                env = new Envelope(job.from(), job.recipients(), job.content() == null ? new byte[0] : job.content(),
                        job.requireTls());
            } catch (IllegalArgumentException e) {
                return Future.succeededFuture(log(OutcomeBuilder.local(job, Status.BOUNCED, "message cannot be sent: " + e.getMessage())));
            }
            if (job.endpoints() == null || job.endpoints().isEmpty()) {
                return Future.succeededFuture(log(OutcomeBuilder.local(job, Status.DEFERRED, "no endpoint to deliver to")));
            }
            TlsLevel floor = config.tls().level();
            TlsLevel level = job.tls() == null ? floor : job.tls().atLeast(floor);
            Source source = egress.pools().choose(job.site() == null ? null : job.site().key(), job.tenant());
            String from = source == null ? null : source.label();
            chosen[0] = from;
            List<Endpoint> endpoints = source == null ? job.endpoints() : source.reachable(job.endpoints());
            if (endpoints.isEmpty()) { // an IPv6 source and IPv4-only hosts, or the reverse: not the site's fault
                return Future.succeededFuture(log(OutcomeBuilder.local(job, Status.DEFERRED, "no endpoint of site "
                        + (job.site() == null ? "?" : job.site().key()) + " has an address that egress source " + from
                        + " can reach (" + source.family() + ")").withSource(from)));
            }
            Future<DeliveryAttempt> attempt = cache != null && job.site() != null
                    ? cache.deliver(job.site().key(), job.site().provider(), source, endpoints, level, env)
                    : egress.walker(source, walker).deliver(job.site() == null ? null : job.site().shardKey(), endpoints,
                    level, env);
            return attempt.transform(ar -> {
                if (ar.failed()) {
                    LOG.errorf(ar.cause(), "delivery of job %s failed internally", job.jobId());
                    return Future.succeededFuture(log(OutcomeBuilder.local(job, Status.DEFERRED, "internal error: " + ar.cause())
                            .withSource(from)));
                }
                return Future.succeededFuture(log(build(job, ar.result()).withSource(from)));
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "delivery of job %s failed internally", job.jobId());
            return Future.succeededFuture(log(OutcomeBuilder.local(job, Status.DEFERRED, "internal error: " + e)
                    .withSource(chosen[0])));
        }
    }

    private static DeliveryOutcome build(DeliveryJob job, DeliveryAttempt a) {
        try {
            return OutcomeBuilder.build(job, a, Instant.now());
        } catch (RuntimeException e) {
            LOG.errorf(e, "outcome of job %s incomplete", job.jobId());
            return OutcomeBuilder.local(job, Status.DEFERRED, "internal error: " + e.getMessage());
        }
    }

    /**
     * One line per outcome, for operators: INFO when a recipient was not delivered (the
     * remote reason, the TLS in use), DEBUG when all were (every delivery has its line in
     * Postfix's shape already, OutcomeRecords' or queue-service's, with relay, conn_use, delays and dsn: a second INFO line per
     * delivered job cost about 5 % of this service's CPU). Built in one pre-sized StringBuilder,
     * skipped when its level is off. Written synchronously (a few microseconds;
     * application.properties says why the async handler is not used).
     */
    private DeliveryOutcome log(DeliveryOutcome o) {
        metrics.finished(o);
        boolean delivered = o.results().stream().allMatch(r -> r.status() == Status.DELIVERED);
        if (delivered ? !LOG.isDebugEnabled() : !LOG.isInfoEnabled()) {
            return o;
        }
        StringBuilder b = new StringBuilder(160 + 48 * Math.min(o.results().size(), 64));
        b.append(BoundedText.escape(o.messageId())).append(": job=").append(BoundedText.escape(o.jobId())).append(", relay=")
                .append(BoundedText.escape(o.relay())).append(", conn_use=").append(o.connectionUse());
        if (o.source() != null) {
            b.append(", source=").append(o.source());
        }
        if (o.tls() != null) {
            b.append(", tls=").append(o.tls().version()).append('/').append(o.tls().cipher())
                    .append(o.tls().verified() ? " verified" : " unverified");
        }
        int n = 0;
        for (RecipientResult r : o.results()) {
            if (b.length() > MAX_LOG_LINE) { // one line stays bounded, whatever the recipients and replies
                b.append(", ... and ").append(o.results().size() - n).append(" more");
                break;
            }
            n++;
            b.append(", <").append(BoundedText.escape(r.recipient())).append(">=").append(r.status().wireName());
            if (r.status() != Status.DELIVERED && r.reason() != null) {
                b.append(" (").append(BoundedText.escape(r.reason())).append(')'); // remote text: escaped
            }
        }
        if (delivered) {
            LOG.debug(b.toString());
        } else {
            LOG.info(b.toString());
        }
        return o;
    }
}
