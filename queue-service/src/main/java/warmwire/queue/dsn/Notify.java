package warmwire.queue.dsn;

import java.util.List;
import java.util.Locale;
import warmwire.contracts.mail.Dsn;

/**
 * NAME
 *   Notify - does the sender want a DSN for this action? (RFC 3461 section 4.1, NOTIFY)
 * DESCRIPTION
 *   NOTIFY absent (no dsn, or no notify list): failures only. Warmwire sends no unrequested
 *   DELAY notices (RFC 3461 allows them; the lead chose not to).
 *   NEVER: nothing. Otherwise FAILURE -> failed, DELAY -> delayed, SUCCESS -> relayed,
 *   delivered and expanded. Values compare case-insensitively, as intake accepts them.
 *   The null sender ("") never gets a DSN, whatever it asked for: a notice about a notice
 *   could loop (RFC 5321 section 4.5.5).
 */
public final class Notify {
    private Notify() {
    }

    /** Whether {@code dsn}'s NOTIFY asks for a notice of {@code action}. */
    public static boolean wants(Dsn dsn, Action action) {
        List<String> notify = dsn == null ? null : dsn.notifyOn();
        if (notify == null || notify.isEmpty()) {
            return action == Action.FAILED;
        }
        boolean failure = false;
        boolean delay = false;
        boolean success = false;
        for (String n : notify) {
            switch (n == null ? "" : n.trim().toUpperCase(Locale.ROOT)) {
                case "NEVER" -> {
                    return false;
                }
                case "FAILURE" -> failure = true;
                case "DELAY" -> delay = true;
                case "SUCCESS" -> success = true;
                default -> {
                    // unknown values cannot pass intake; ignore rather than guess
                }
            }
        }
        return switch (action) {
            case FAILED -> failure;
            case DELAYED -> delay;
            case RELAYED, DELIVERED, EXPANDED -> success;
        };
    }

    /** As {@link #wants(Dsn, Action)}, and false for the null sender ("" or null). */
    public static boolean wants(String sender, Dsn dsn, Action action) {
        return sender != null && !sender.isEmpty() && wants(dsn, action);
    }
}
