package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A record on {@code mail.events} (public contract, DESIGN.md "Events"), key = message id: one
 * per recipient per state change.
 *
 * @param smtp   the reply of the server that decided it; absent when no server spoke
 * @param dsn    RFC 3463 enhanced status code (see {@link RecipientResult#dsn()})
 * @param reason only for rejected, bounced, deferred and expired recipients
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                            SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                            Instant timestamp, String reason) {
}
