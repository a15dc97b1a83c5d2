package warmwire.contracts.mail;

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
 * @param submittedAt   when queue-service accepted the message
 */
public record QueuedMessage(String id, String from, List<String> recipients, String contentBase64,
                            TlsLevel tls, String tenant, String campaign, Dsn dsn, int attempt,
                            Instant submittedAt) {
}
