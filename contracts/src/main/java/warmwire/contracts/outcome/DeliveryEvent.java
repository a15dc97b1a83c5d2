package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A record on {@code mail.events} (public contract, DESIGN.md "Events"), key = message id: one
 * per recipient per state change.
 *
 * @param smtp   the reply of the server that decided it; absent when no server spoke
 * @param dsn    RFC 3463 enhanced status code (see {@link RecipientResult#dsn()})
 * @param reason only for rejected, bounced, deferred, expired and deleted recipients
 * @param nextAttemptAt only for deferred recipients: when the next attempt is due
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                            SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                            Instant timestamp, String reason, Instant nextAttemptAt) {

    /** An event without a next attempt time. */
    public DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                         SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                         Instant timestamp, String reason) {
        this(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays, timestamp, reason, null);
    }

    /** The same event with its next attempt time. */
    public DeliveryEvent withNextAttempt(Instant at) {
        return new DeliveryEvent(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays,
                timestamp, reason, at);
    }
}
