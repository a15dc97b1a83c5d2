package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One recipient's result within an outcome.
 *
 * @param smtp   the reply that decided it (RCPT or end-of-data reply), null when no server spoke
 * @param reason human-readable explanation; required for anything not delivered
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecipientResult(String recipient, Status status, SmtpReply smtp, String reason) {
}
