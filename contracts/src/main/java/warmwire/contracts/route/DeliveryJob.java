package warmwire.contracts.route;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;

/**
 * A record on {@code mail.deliver}, keyed by {@link Site#key()}: the recipients of one message
 * that share one site, to be sent in one SMTP transaction.
 *
 * @param jobId        unique per job: {@code <messageId>/<attempt>/<site key>}
 * @param endpoints    addresses to try, best first
 * @param tls          the level to deliver under (equal to {@code site.tls()})
 * @param submittedAt  when queue-service accepted the message
 * @param routedAt     when delivery-service published this job
 * @param routeSeconds how long routing took (DNS lookups included)
 * @param tenant, campaign, dsn, delayNotified carried from the {@link QueuedMessage} unchanged, so
 *                     that the outcome can hand the message back for a retry or a DSN
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                          List<String> recipients, String contentBase64, TlsLevel tls, int attempt,
                          Instant submittedAt, Instant routedAt, double routeSeconds,
                          String tenant, String campaign, Dsn dsn, boolean delayNotified) {

    /** A job without the message's tenant, campaign and DSN request (tests, tools). */
    public DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                       List<String> recipients, String contentBase64, TlsLevel tls, int attempt,
                       Instant submittedAt, Instant routedAt, double routeSeconds) {
        this(jobId, messageId, site, endpoints, from, recipients, contentBase64, tls, attempt, submittedAt, routedAt,
                routeSeconds, null, null, null, false);
    }

    /** The job of {@code m}'s recipients {@code rcpts} at one site. */
    public static DeliveryJob of(QueuedMessage m, Site site, List<Endpoint> endpoints, List<String> rcpts,
                                 Instant routedAt, double routeSeconds) {
        return new DeliveryJob(m.id() + "/" + m.attempt() + "/" + site.key(), m.id(), site, endpoints, m.from(), rcpts,
                m.contentBase64(), site.tls(), m.attempt(), m.submittedAt(), routedAt, routeSeconds, m.tenant(),
                m.campaign(), m.dsn(), m.delayNotified());
    }

    /** This job's message, for the given recipients only (a retry or a DSN needs the body). */
    public QueuedMessage message(List<String> rcpts) {
        return new QueuedMessage(messageId, from, rcpts, contentBase64, tls, tenant, campaign, dsn, attempt,
                submittedAt, null, delayNotified);
    }
}
