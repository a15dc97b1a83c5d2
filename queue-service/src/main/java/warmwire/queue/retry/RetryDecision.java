package warmwire.queue.retry;

import java.time.Instant;
import java.util.function.Function;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.route.Site;

/**
 * NAME
 *   RetryDecision - what the retry scheduler does with one record of a retry tier.
 * DESCRIPTION
 *   Pure: given the record's message, the time it was scheduled (the record timestamp), the
 *   site of the attempt that deferred it, the operators' decisions and the time now:
 *   {@link Drop} when the message was deleted; {@link Wait} until its {@code notBefore} while it
 *   is not due; {@link Hold} when it is due but held (it goes back to the last tier);
 *   {@link Forward} (to mail.route) when it is due. A retry-now decision for the message, its
 *   site (by site key or one of its MX hosts), or all mail, taken after the record was
 *   scheduled, makes it due at once.
 */
public sealed interface RetryDecision {

    record Drop(String why) implements RetryDecision {
    }

    record Wait(Instant until) implements RetryDecision {
    }

    record Hold(QueuedMessage message) implements RetryDecision {
    }

    record Forward(QueuedMessage message) implements RetryDecision {
    }

    static RetryDecision of(QueuedMessage m, Instant scheduled, String site, Function<String, ControlState> control,
                            Instant now) {
        ControlState mc = control.apply(ControlState.messageKey(m.id()));
        if (mc != null && mc.deleted()) {
            return new Drop("deleted by the operator");
        }
        Instant due = m.notBefore() != null ? m.notBefore() : scheduled;
        if (retryRequestedAfter(scheduled, mc) || retryRequestedAfter(scheduled, control.apply(ControlState.ALL))
                || siteRetryRequestedAfter(scheduled, site, control)) {
            due = now;
        }
        if (due.isAfter(now)) {
            return new Wait(due);
        }
        if (mc != null && mc.held()) {
            return new Hold(m);
        }
        return new Forward(m.retry(m.recipients(), m.attempt(), null, m.delayNotified()));
    }

    /** A retry-now for the site key, or for one of its MX hosts (the key is "host1,host2:port/level"). */
    private static boolean siteRetryRequestedAfter(Instant scheduled, String site, Function<String, ControlState> control) {
        return Site.byKeyOrHost(site, name -> retryRequestedAfter(scheduled, control.apply(ControlState.siteKey(name)))
                ? Boolean.TRUE : null) != null;
    }

    private static boolean retryRequestedAfter(Instant scheduled, ControlState s) {
        return s != null && s.retryRequestedAt() != null && s.retryRequestedAt().isAfter(scheduled);
    }
}
