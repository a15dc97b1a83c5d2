package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A validated message on {@code mail.route}: accepted by queue-service, waiting to be routed.
 * The body always travels base64-encoded so that 8-bit and binary messages survive JSON intact.
 *
 * @param id            the message id (the client's {@code id}, or one queue-service assigned)
 * @param recipients    the recipients still to be delivered in this attempt
 * @param tls           the effective TLS level (per-message request raised to the floor)
 * @param attempt       1 for the first attempt
 * @param submittedAt   when queue-service accepted the message (the queue lifetime counts from it)
 * @param notBefore     on a retry tier: when this attempt is due; null for a first attempt
 * @param delayNotified whether a DELAY notification (RFC 3464 "delayed") went to the sender already
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueuedMessage(String id, String from, List<String> recipients, String contentBase64,
                            TlsLevel tls, String tenant, String campaign, Dsn dsn, int attempt,
                            Instant submittedAt, Instant notBefore, boolean delayNotified) {

    /** A first attempt (no due time, no delay notice yet). */
    public QueuedMessage(String id, String from, List<String> recipients, String contentBase64, TlsLevel tls,
                         String tenant, String campaign, Dsn dsn, int attempt, Instant submittedAt) {
        this(id, from, recipients, contentBase64, tls, tenant, campaign, dsn, attempt, submittedAt, null, false);
    }

    /** The same message for other recipients and a later attempt. */
    public QueuedMessage retry(List<String> rcpts, int nextAttempt, Instant due, boolean delayNoticeSent) {
        return new QueuedMessage(id, from, rcpts, contentBase64, tls, tenant, campaign, dsn, nextAttempt, submittedAt,
                due, delayNoticeSent);
    }
}
