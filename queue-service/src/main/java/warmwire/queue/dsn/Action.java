package warmwire.queue.dsn;

import java.util.Locale;
import java.util.Optional;
import warmwire.contracts.outcome.Status;

/**
 * NAME
 *   Action - the RFC 3464 section 2.3.3 action of one recipient in a DSN.
 * DESCRIPTION
 *   {@code failed}: bounced or expired, no further attempt. {@code delayed}: deferred, will be
 *   retried. {@code relayed}: handed to an SMTP server that was not asked for DSNs (Warmwire
 *   does not pass NOTIFY/RET/ENVID on), so this notice is the last one Warmwire can give.
 *   {@code delivered} and {@code expanded} exist for completeness; Warmwire neither delivers to
 *   mailboxes nor expands aliases.
 *   The gravity order (failed, delayed, then the successes) picks the subject and the returned
 *   content of a DSN that reports several actions.
 */
public enum Action {
    FAILED, DELAYED, RELAYED, DELIVERED, EXPANDED;

    /** The field value: {@code failed}, {@code delayed}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the action reports a success (NOTIFY=SUCCESS). */
    public boolean success() {
        return this == RELAYED || this == DELIVERED || this == EXPANDED;
    }

    /**
     * The action a recipient state is reported with: bounced and expired -> failed, deferred ->
     * delayed, delivered -> relayed. Rejected (never queued) and deleted (an operator's decision,
     * as postsuper -d) get no DSN: empty.
     */
    public static Optional<Action> of(Status status) {
        return switch (status) {
            case BOUNCED, EXPIRED -> Optional.of(FAILED);
            case DEFERRED -> Optional.of(DELAYED);
            case DELIVERED -> Optional.of(RELAYED);
            case REJECTED, DELETED -> Optional.empty();
        };
    }
}
