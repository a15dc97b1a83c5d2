package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.tlsrpt.TlsResult;

/**
 * A record on {@code mail.outcome}, key = message id: what happened to every recipient of one
 * routing step or delivery job. Written by delivery-service (routing failures) and
 * tls-session-service (SMTP results); queue-service turns it into {@link DeliveryEvent}s
 * ({@link DeliveryEvent#ofOutcome}), and so does tls-session-service itself for a first attempt
 * delivered to every recipient, which never goes on mail.outcome.
 *
 * @param jobId         the job, or null when routing failed before a job existed
 * @param site          the site key, null when no site could be computed
 * @param relay         Postfix notation of the endpoint that answered, or "none"
 * @param results       one entry per recipient of the job; never fewer
 * @param tls           null when the session was not encrypted
 * @param connectionUse which delivery on its connection this was (Postfix's conn_use): 1 on a fresh connection, 0 when
 *                      none was made; bounded by the site's max-deliveries-per-connection
 * @param pending       the message (body included) for the recipients of this outcome that were not
 *                      delivered, so that queue-service can schedule their retry or return a DSN;
 *                      null when all were delivered
 * @param tlsResults    the TLS results of this delivery attempt (tls-session-service) for the
 *                      recipient domains under a published policy (RFC 8460), which queue-service
 *                      writes to {@code mail.tls-results}; empty when none (never null)
 * @param source        the egress source the job was sent from, {@code name[address]}
 *                      (tls-session-service's pools); null when the system chose the address
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryOutcome(String messageId, String jobId, int attempt, String site, String relay,
                              List<RecipientResult> results, TlsInfo tls, int connectionUse, Delays delays,
                              Instant timestamp, QueuedMessage pending,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TlsResult> tlsResults,
                              String source) {

    public DeliveryOutcome {
        tlsResults = tlsResults == null ? List.of() : List.copyOf(tlsResults);
    }

    /** An outcome without an egress source. */
    public DeliveryOutcome(String messageId, String jobId, int attempt, String site, String relay,
                           List<RecipientResult> results, TlsInfo tls, int connectionUse, Delays delays,
                           Instant timestamp, QueuedMessage pending, List<TlsResult> tlsResults) {
        this(messageId, jobId, attempt, site, relay, results, tls, connectionUse, delays, timestamp, pending, tlsResults, null);
    }

    /** An outcome without TLS results. */
    public DeliveryOutcome(String messageId, String jobId, int attempt, String site, String relay,
                           List<RecipientResult> results, TlsInfo tls, int connectionUse, Delays delays,
                           Instant timestamp, QueuedMessage pending) {
        this(messageId, jobId, attempt, site, relay, results, tls, connectionUse, delays, timestamp, pending, List.of());
    }

    /** An outcome without the pending message (all delivered, or tests). */
    public DeliveryOutcome(String messageId, String jobId, int attempt, String site, String relay,
                           List<RecipientResult> results, TlsInfo tls, int connectionUse, Delays delays,
                           Instant timestamp) {
        this(messageId, jobId, attempt, site, relay, results, tls, connectionUse, delays, timestamp, null);
    }

    /** The same outcome carrying the message for its undelivered recipients (null when there are none). */
    public DeliveryOutcome withPending(QueuedMessage message) {
        List<String> open = results.stream().filter(r -> r.status() != Status.DELIVERED)
                .map(RecipientResult::recipient).toList();
        return new DeliveryOutcome(messageId, jobId, attempt, site, relay, results, tls, connectionUse, delays,
                timestamp, open.isEmpty() || message == null ? null
                        : message.retry(open, message.attempt(), message.notBefore(), message.delayNotified()),
                tlsResults, source);
    }

    /** The same outcome with {@code results} as its TLS results. */
    public DeliveryOutcome withTlsResults(List<TlsResult> results) {
        return new DeliveryOutcome(messageId, jobId, attempt, site, relay, this.results, tls, connectionUse, delays,
                timestamp, pending, results, source);
    }

    /** The same outcome sent from egress source {@code source} ({@code name[address]}, null: none). */
    public DeliveryOutcome withSource(String source) {
        return new DeliveryOutcome(messageId, jobId, attempt, site, relay, results, tls, connectionUse, delays,
                timestamp, pending, tlsResults, source);
    }
}
