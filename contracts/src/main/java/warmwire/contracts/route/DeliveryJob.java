package warmwire.contracts.route;

import java.time.Instant;
import java.util.List;
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
 */
public record DeliveryJob(String jobId, String messageId, Site site, List<Endpoint> endpoints, String from,
                          List<String> recipients, String contentBase64, TlsLevel tls, int attempt,
                          Instant submittedAt, Instant routedAt, double routeSeconds) {
}
