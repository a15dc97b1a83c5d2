package warmwire.session.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.jboss.logging.Logger;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.session.SessionConfig;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.outcome.OutcomeBuilder;
import warmwire.session.outcome.OutcomeCollector;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * NAME
 *   DeliveryAgent - delivers one job and returns its outcome; never fails.
 * DESCRIPTION
 *   Wires the SMTP engine from {@link SessionConfig}: one shared Vert.x NetClient, the
 *   timeouts, the HELO name and the trust file (loaded at startup: a bad file stops the
 *   service with a clear error). The job's TLS level is raised to the configured floor.
 *   A job whose content is not valid base64 or whose addresses cannot be put on the wire
 *   is bounced without connecting; an unexpected internal error defers every recipient.
 *   Each outcome is logged in one line at INFO.
 */
@Startup
@ApplicationScoped
public class DeliveryAgent {
    private static final Logger LOG = Logger.getLogger(DeliveryAgent.class);

    private final SessionConfig config;
    private final EndpointWalker walker;
    private final NetClient client;

    @Inject
    public DeliveryAgent(Vertx vertx, SessionConfig config) {
        this.config = config;
        SmtpSettings settings = new SmtpSettings(heloName(config), timeouts(config.smtp().timeouts()));
        PeerVerifier verifier = TrustFileVerifier.fromTrustFile(config.tls().trustFile().map(Path::of).orElse(null));
        this.client = EndpointWalker.createClient(vertx, settings);
        this.walker = new EndpointWalker(vertx, client, settings, verifier);
        LOG.infof("SMTP client: helo=%s, tls floor=%s, trust=%s", settings.heloName(), config.tls().level().wireName(),
                config.tls().trustFile().orElse("JDK CA store"));
    }

    @PreDestroy
    void stop() {
        client.close();
    }

    public Future<DeliveryOutcome> deliver(DeliveryJob job) {
        try {
            Envelope env;
            try {
                byte[] content = Base64.getMimeDecoder().decode(job.contentBase64() == null ? "" : job.contentBase64());
                env = new Envelope(job.from(), job.recipients(), content);
            } catch (IllegalArgumentException e) {
                return Future.succeededFuture(log(local(job, Status.BOUNCED, "message cannot be sent: " + e.getMessage())));
            }
            if (job.endpoints() == null || job.endpoints().isEmpty()) {
                return Future.succeededFuture(log(local(job, Status.DEFERRED, "no endpoint to deliver to")));
            }
            TlsLevel floor = config.tls().level();
            TlsLevel level = job.tls() == null ? floor : job.tls().atLeast(floor);
            return walker.deliver(job.endpoints(), level, env).transform(ar -> {
                if (ar.failed()) {
                    LOG.errorf(ar.cause(), "delivery of job %s failed internally", job.jobId());
                    return Future.succeededFuture(log(local(job, Status.DEFERRED, "internal error: " + ar.cause())));
                }
                return Future.succeededFuture(log(build(job, ar.result())));
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "delivery of job %s failed internally", job.jobId());
            return Future.succeededFuture(log(local(job, Status.DEFERRED, "internal error: " + e)));
        }
    }

    private static DeliveryOutcome build(DeliveryJob job, DeliveryAttempt a) {
        try {
            return OutcomeBuilder.build(job, a, Instant.now());
        } catch (RuntimeException e) {
            LOG.errorf(e, "outcome of job %s incomplete", job.jobId());
            return local(job, Status.DEFERRED, "internal error: " + e.getMessage());
        }
    }

    /** An outcome decided without a server: every recipient gets the same status. */
    static DeliveryOutcome local(DeliveryJob job, Status status, String reason) {
        OutcomeCollector c = new OutcomeCollector(job.recipients() == null ? List.of() : job.recipients());
        c.markRemaining(status, null, reason);
        return new DeliveryOutcome(job.messageId(), job.jobId(), job.attempt(), job.site() == null ? null : job.site().key(),
                "none", c.results(), null, 0, warmwire.contracts.outcome.Delays.NONE, Instant.now());
    }

    private static DeliveryOutcome log(DeliveryOutcome o) {
        StringBuilder b = new StringBuilder(o.messageId()).append(": job=").append(o.jobId()).append(", relay=")
                .append(o.relay());
        if (o.tls() != null) {
            b.append(", tls=").append(o.tls().version()).append('/').append(o.tls().cipher())
                    .append(o.tls().verified() ? " verified" : " unverified");
        }
        for (RecipientResult r : o.results()) {
            b.append(", <").append(r.recipient()).append(">=").append(r.status().wireName());
            if (r.status() != Status.DELIVERED && r.reason() != null) {
                b.append(" (").append(r.reason()).append(')');
            }
        }
        LOG.info(b.toString());
        return o;
    }

    static SmtpTimeouts timeouts(SessionConfig.Timeouts t) {
        return SmtpTimeouts.rfc()
                .with(SmtpState.CONNECT, t.connect())
                .with(SmtpState.GREETING, t.greeting())
                .with(SmtpState.EHLO, t.helo())
                .with(SmtpState.HELO, t.helo())
                .with(SmtpState.EHLO_TLS, t.helo())
                .with(SmtpState.STARTTLS, t.starttls())
                .with(SmtpState.TLS_HANDSHAKE, t.tlsHandshake())
                .with(SmtpState.MAIL, t.mail())
                .with(SmtpState.RCPT, t.rcpt())
                .with(SmtpState.DATA, t.data())
                .with(SmtpState.DATA_BODY, t.dataBody())
                .with(SmtpState.DATA_DONE, t.dataDone())
                .with(SmtpState.RSET, t.rset())
                .with(SmtpState.QUIT, t.quit());
    }

    static String heloName(SessionConfig config) {
        return config.smtp().heloName().filter(s -> !s.isBlank()).orElseGet(() -> {
            try {
                String h = InetAddress.getLocalHost().getCanonicalHostName();
                return h == null || h.isBlank() || h.matches(".*[\\s<>].*") ? "localhost" : h;
            } catch (Exception e) {
                return "localhost";
            }
        });
    }
}
