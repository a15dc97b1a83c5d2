package warmwire.contracts.mail;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * A validated message on {@code mail.route}: accepted by queue-service, waiting to be routed.
 * On mail.route and the retry tiers the body travels after the envelope as raw bytes
 * ({@link MailFrame}); where a message rides inside other JSON (an outcome's pending message)
 * {@code content} is written as base64 text in {@code contentBase64}, so 8-bit and binary
 * messages survive intact either way.
 *
 * @param id            the message id (the client's {@code id}, or one queue-service assigned)
 * @param recipients    the recipients still to be delivered in this attempt
 * @param content       the message, as submitted (RFC 5322 bytes)
 * @param tls           the effective TLS level (per-message request raised to the floor)
 * @param attempt       1 for the first attempt
 * @param submittedAt   when queue-service accepted the message (the queue lifetime counts from it)
 * @param notBefore     on a retry tier: when this attempt is due; null for a first attempt
 * @param delayNotified whether a DELAY notification (RFC 3464 "delayed") went to the sender already
 * @param requireTls    REQUIRETLS (RFC 8689): deliver only over TLS verified under a policy the
 *                      receiving domain published (MTA-STS enforce or DANE), to servers that
 *                      offer REQUIRETLS, with the MAIL parameter; else bounce 5.7.30
 * @param signed        delivery-service signed the body with DKIM already (on its first routing):
 *                      a retry is not signed again. Intake always sets false.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueuedMessage(String id, String from, List<String> recipients,
                            @JsonProperty("contentBase64") byte[] content,
                            TlsLevel tls, String tenant, String campaign, Dsn dsn, int attempt,
                            Instant submittedAt, Instant notBefore, boolean delayNotified, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean requireTls,
                            @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean signed) {

    /** A message not signed yet. */
    public QueuedMessage(String id, String from, List<String> recipients, byte[] content, TlsLevel tls, String tenant,
                         String campaign, Dsn dsn, int attempt, Instant submittedAt, Instant notBefore,
                         boolean delayNotified, boolean requireTls) {
        this(id, from, recipients, content, tls, tenant, campaign, dsn, attempt, submittedAt, notBefore, delayNotified,
                requireTls, false);
    }

    /** A message without REQUIRETLS. */
    public QueuedMessage(String id, String from, List<String> recipients, byte[] content, TlsLevel tls, String tenant,
                         String campaign, Dsn dsn, int attempt, Instant submittedAt, Instant notBefore,
                         boolean delayNotified) {
        this(id, from, recipients, content, tls, tenant, campaign, dsn, attempt, submittedAt, notBefore, delayNotified,
                false);
    }

    /** A first attempt (no due time, no delay notice yet). */
    public QueuedMessage(String id, String from, List<String> recipients, byte[] content, TlsLevel tls,
                         String tenant, String campaign, Dsn dsn, int attempt, Instant submittedAt) {
        this(id, from, recipients, content, tls, tenant, campaign, dsn, attempt, submittedAt, null, false);
    }

    /** The same message for other recipients and a later attempt. */
    public QueuedMessage retry(List<String> rcpts, int nextAttempt, Instant due, boolean delayNoticeSent) {
        return new QueuedMessage(id, from, rcpts, content, tls, tenant, campaign, dsn, nextAttempt, submittedAt,
                due, delayNoticeSent, requireTls, signed);
    }

    /** The same message with another body (null: the envelope alone, as a frame carries it). */
    public QueuedMessage withContent(byte[] body) {
        return new QueuedMessage(id, from, recipients, body, tls, tenant, campaign, dsn, attempt, submittedAt, notBefore,
                delayNotified, requireTls, signed);
    }

    /** The same message with its DKIM-signed body. */
    public QueuedMessage signedAs(byte[] body) {
        return new QueuedMessage(id, from, recipients, body, tls, tenant, campaign, dsn, attempt, submittedAt, notBefore,
                delayNotified, requireTls, true);
    }

    /** The body's size in bytes (0 without one). */
    public int size() {
        return content == null ? 0 : content.length;
    }
}
