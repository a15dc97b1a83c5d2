package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One recipient's result within an outcome.
 *
 * @param smtp   the reply that decided it (RCPT or end-of-data reply), null when no server spoke
 * @param dsn    the RFC 3463 enhanced status code: the server's when it gave one, else the one
 *               Warmwire determined (5.1.2 no such domain, 4.4.1 no answer, 4.7.4 TLS required but
 *               not offered, ...), else the class default 2.0.0/4.0.0/5.0.0
 * @param reason human-readable explanation; required for anything not delivered
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecipientResult(String recipient, Status status, SmtpReply smtp, String dsn, String reason) {

    /** The enhanced code of a result: {@code local} unless the server's reply carries one, else the class default. */
    public static String dsnOf(Status status, SmtpReply smtp, String local) {
        if (smtp != null && smtp.enhanced() != null) {
            return smtp.enhanced();
        }
        if (local != null) {
            return local;
        }
        return switch (status) {
            case DELIVERED -> "2.0.0";
            case DEFERRED -> "4.0.0";
            default -> "5.0.0";
        };
    }
}
