package warmwire.queue.dsn;

import java.time.Instant;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;

/**
 * NAME
 *   RecipientReport - what a DSN says about one recipient.
 * DESCRIPTION
 *   The facts of a {@link RecipientResult} or {@link DeliveryEvent} that RFC 3464 section 2.3
 *   reports: the address (Final-Recipient), the action, the RFC 3463 status, the server's reply
 *   (Diagnostic-Code), the endpoint in Postfix notation ({@code mx1.example.com[192.0.2.1]:25};
 *   Remote-MTA when a server answered), the human-readable reason, the time of the attempt
 *   (Last-Attempt-Date, null when unknown) and, for delayed recipients, the end of the queue
 *   lifetime (Will-Retry-Until).
 *   For an expired recipient pass the last deferral's facts with action failed, as Postfix does
 *   (its 4.x.x status stays; X.4.7 "delivery time expired" is the alternative of RFC 3463).
 *
 * @param status         RFC 3463 code {@code class.subject.detail}; when missing or malformed the
 *                       DSN uses the action's default (5.0.0 failed, 4.0.0 delayed, 2.0.0 otherwise)
 * @param relay          Postfix notation of the endpoint, or "none"/null when none was reached
 * @param willRetryUntil only for delayed recipients; null otherwise
 */
public record RecipientReport(String recipient, Action action, String status, SmtpReply reply, String relay,
                              String reason, Instant lastAttempt, Instant willRetryUntil) {

    public RecipientReport {
        if (recipient == null || action == null) {
            throw new IllegalArgumentException("a recipient report needs a recipient and an action");
        }
    }

    /** The report of one result of an outcome (relay and attempt time from the outcome). */
    public static RecipientReport of(DeliveryOutcome o, RecipientResult r, Action action) {
        return new RecipientReport(r.recipient(), action, RecipientResult.dsnOf(r.status(), r.smtp(), r.dsn()),
                r.smtp(), o.relay(), r.reason(), o.timestamp(), null);
    }

    /** The report of one event (relay, reason and attempt time from the event). */
    public static RecipientReport of(DeliveryEvent e, Action action) {
        return new RecipientReport(e.recipient(), action, e.dsn() != null ? e.dsn()
                : RecipientResult.dsnOf(e.status(), e.smtp(), null), e.smtp(), e.relay(), e.reason(), e.timestamp(), null);
    }

    /** The same report with the end of the queue lifetime (for a delayed recipient). */
    public RecipientReport withRetryUntil(Instant until) {
        return new RecipientReport(recipient, action, status, reply, relay, reason, lastAttempt, until);
    }

    /** The same report without a last attempt time (expired without a new attempt, ...). */
    public RecipientReport withLastAttempt(Instant at) {
        return new RecipientReport(recipient, action, status, reply, relay, reason, at, willRetryUntil);
    }

    /** The status code to report: {@link #status} when well-formed (RFC 3463 section 2), else the action's default. */
    String statusCode() {
        if (status != null && status.matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
            return status;
        }
        return switch (action) {
            case FAILED -> "5.0.0";
            case DELAYED -> "4.0.0";
            default -> "2.0.0";
        };
    }

    /**
     * The host of the server that answered: the name in front of '[' of the relay, the bracketed
     * address when there is no name; null when no server answered (no reply) or no endpoint is known.
     */
    String remoteMta() {
        if (reply == null || relay == null || relay.isBlank() || relay.equals("none")) {
            return null;
        }
        int open = relay.indexOf('[');
        if (open > 0) {
            return relay.substring(0, open);
        }
        if (open == 0) {
            int close = relay.indexOf(']');
            return close > 0 ? relay.substring(0, close + 1) : null;
        }
        return relay.replaceFirst(":\\d+$", "");
    }
}
