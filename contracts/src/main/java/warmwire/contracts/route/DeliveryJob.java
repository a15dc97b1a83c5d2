package warmwire.contracts.route;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.time.Instant;
import java.util.List;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.MailFrame;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.tlsrpt.TlsPolicyRef;

/**
 * A record on {@code mail.deliver}, keyed by {@link Site#key()}: the recipients of one message
 * that share one site, to be sent in one SMTP transaction. The body travels after the envelope
 * as raw bytes ({@link warmwire.contracts.mail.MailFrame}).
 *
 * @param jobId        unique per job: {@code <messageId>/<attempt>/<site key>}
 * @param endpoints    addresses to try, best first
 * @param content      the message (RFC 5322 bytes); {@code contentBase64} when written as JSON
 * @param tls          the level to deliver under (equal to {@code site.tls()})
 * @param submittedAt  when queue-service accepted the message
 * @param routedAt     when delivery-service published this job
 * @param routeSeconds how long routing took (DNS lookups included)
 * @param tenant, campaign, dsn, delayNotified carried from the {@link QueuedMessage} unchanged, so
 *                     that the outcome can hand the message back for a retry or a DSN
 * @param requireTls   REQUIRETLS (RFC 8689), carried from the message: the server must offer it
 *                     over verified TLS, and MAIL carries the parameter; else bounce 5.7.30
 * @param signed       carried from the message: the body bears delivery-service's DKIM signatures
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                          List<String> recipients, @JsonProperty("contentBase64") byte[] content, TlsLevel tls,
                          int attempt, Instant submittedAt, Instant routedAt, double routeSeconds,
                          String tenant, String campaign, Dsn dsn, boolean delayNotified, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean requireTls,
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TlsPolicyRef> tlsReports,
                          TlsLevel messageTls, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean signed) {

    public DeliveryJob {
        tlsReports = tlsReports == null ? List.of() : List.copyOf(tlsReports);
    }

    /** A job whose body is not DKIM-signed by delivery-service. */
    public DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                       List<String> recipients, byte[] content, TlsLevel tls, int attempt, Instant submittedAt,
                       Instant routedAt, double routeSeconds, String tenant, String campaign, Dsn dsn,
                       boolean delayNotified, boolean requireTls, List<TlsPolicyRef> tlsReports, TlsLevel messageTls) {
        this(jobId, messageId, site, endpoints, from, recipients, content, tls, attempt, submittedAt, routedAt,
                routeSeconds, tenant, campaign, dsn, delayNotified, requireTls, tlsReports, messageTls, false);
    }

    /** A job without TLS reports. */
    public DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                       List<String> recipients, byte[] content, TlsLevel tls, int attempt, Instant submittedAt,
                       Instant routedAt, double routeSeconds, String tenant, String campaign, Dsn dsn,
                       boolean delayNotified, boolean requireTls) {
        this(jobId, messageId, site, endpoints, from, recipients, content, tls, attempt, submittedAt, routedAt,
                routeSeconds, tenant, campaign, dsn, delayNotified, requireTls, List.of(), null);
    }

    /** A job without REQUIRETLS. */
    public DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                       List<String> recipients, byte[] content, TlsLevel tls, int attempt, Instant submittedAt,
                       Instant routedAt, double routeSeconds, String tenant, String campaign, Dsn dsn,
                       boolean delayNotified) {
        this(jobId, messageId, site, endpoints, from, recipients, content, tls, attempt, submittedAt, routedAt,
                routeSeconds, tenant, campaign, dsn, delayNotified, false);
    }

    /** A job without the message's tenant, campaign and DSN request (tests, tools). */
    public DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                       List<String> recipients, byte[] content, TlsLevel tls, int attempt,
                       Instant submittedAt, Instant routedAt, double routeSeconds) {
        this(jobId, messageId, site, endpoints, from, recipients, content, tls, attempt, submittedAt, routedAt,
                routeSeconds, null, null, null, false);
    }

    /** The job of {@code m}'s recipients {@code rcpts} at one site. */
    public static DeliveryJob of(QueuedMessage m, Site site, List<Endpoint> endpoints, List<String> rcpts,
                                 Instant routedAt, double routeSeconds) {
        return of(m, site, endpoints, rcpts, routedAt, routeSeconds, List.of());
    }

    /** As above, with the published policies to report on. */
    public static DeliveryJob of(QueuedMessage m, Site site, List<Endpoint> endpoints, List<String> rcpts,
                                 Instant routedAt, double routeSeconds, List<TlsPolicyRef> tlsReports) {
        return new DeliveryJob(m.id() + "/" + m.attempt() + "/" + site.key(), m.id(), site, endpoints, m.from(), rcpts,
                m.content(), site.tls(), m.attempt(), m.submittedAt(), routedAt, routeSeconds, m.tenant(),
                m.campaign(), m.dsn(), m.delayNotified(), m.requireTls(), tlsReports,
                m.tls() == site.tls() ? null : m.tls(), m.signed());
    }

    /** The same job with another body (null: the envelope alone, as a frame carries it). */
    public DeliveryJob withContent(byte[] body) {
        return new DeliveryJob(jobId, messageId, site, endpoints, from, recipients, body, tls, attempt, submittedAt, routedAt,
                routeSeconds, tenant, campaign, dsn, delayNotified, requireTls, tlsReports, messageTls, signed);
    }

    /** The framed value of this job ({@link MailFrame}): its JSON without the body, then the body. */
    public byte[] framed(ObjectWriter json) throws JsonProcessingException {
        return MailFrame.write(json.writeValueAsBytes(withContent(null)), content);
    }

    /** This job's message, for the given recipients only (a retry or a DSN needs the body). */
    public QueuedMessage message(List<String> rcpts) {
        return new QueuedMessage(messageId, from, rcpts, content, messageTls != null ? messageTls : tls, tenant, campaign,
                dsn, attempt, submittedAt, null, delayNotified, requireTls, signed);
    }
}
