package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A record on {@code mail.outcome}, key = message id: what happened to every recipient of one
 * routing step or delivery job. Written by delivery-service (routing failures) and
 * tls-session-service (SMTP results); queue-service turns it into {@link DeliveryEvent}s.
 *
 * @param jobId         the job, or null when routing failed before a job existed
 * @param site          the site key, null when no site could be computed
 * @param relay         Postfix notation of the endpoint that answered, or "none"
 * @param results       one entry per recipient of the job; never fewer
 * @param tls           null when the session was not encrypted
 * @param connectionUse deliveries on the connection, 1 for a fresh one, 0 when none was made
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryOutcome(String messageId, String jobId, int attempt, String site, String relay,
                              List<RecipientResult> results, TlsInfo tls, int connectionUse, Delays delays,
                              Instant timestamp) {
}
