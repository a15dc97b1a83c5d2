package warmwire.queue.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.queue.dsn.Action;
import warmwire.queue.dsn.DsnWriter;
import warmwire.queue.dsn.Notify;
import warmwire.queue.dsn.RecipientReport;

/**
 * NAME
 *   OutcomePlan - everything one outcome record causes: events, a retry, notices.
 * DESCRIPTION
 *   Pure (no Kafka), so the queue manager's rules can be read and tested in one place:
 *   - every recipient result becomes one event ({@code base}, as OutcomeReporter builds them);
 *   - deferred recipients: if the message has been queued for {@code lifetime} or longer, they
 *     are {@code expired} (Postfix's maximal_queue_lifetime: decided when an attempt fails
 *     after the limit) with the last error; otherwise they wait on retry tier
 *     {@link Backoff#tierAfter}(attempt) until now + {@link Backoff#after}(attempt), as one
 *     {@link Retry} record of the outcome's {@code pending} message (attempt + 1), and their
 *     events say {@code nextAttemptAt};
 *   - bounced and expired recipients are reported to the sender in one failure notice, and
 *     deferred ones in a delay notice once the mail waited {@code delayWarning} (only when the
 *     sender asked, NOTIFY=DELAY, and only once: the retry record remembers it), through
 *     {@link DsnWriter} - never to the null sender, never against NOTIFY;
 *   - an outcome whose undelivered recipients come without their message ({@code pending}
 *     missing: not written by a Warmwire service) cannot be retried or reported: those
 *     recipients keep their events and {@link #problem} says why.
 *   The notice number is derived from the job id, so a redelivered outcome yields the same
 *   notice id.
 */
public record OutcomePlan(List<DeliveryEvent> events, Retry retry, List<QueuedMessage> notices, String problem) {

    /** A record for a retry tier. */
    public record Retry(String topic, String site, QueuedMessage message) {
    }

    public static OutcomePlan of(DeliveryOutcome o, List<DeliveryEvent> base, Backoff backoff, Duration lifetime,
                                 Duration delayWarning, DsnWriter dsn, Instant now) {
        QueuedMessage pending = o.pending();
        List<String> deferred = new ArrayList<>();
        for (RecipientResult r : o.results()) {
            if (r.status() == Status.DEFERRED) {
                deferred.add(r.recipient());
            }
        }
        boolean undelivered = o.results().stream().anyMatch(r -> r.status() != Status.DELIVERED);
        if (pending == null) {
            return new OutcomePlan(base, null, List.of(), undelivered
                    ? "outcome " + o.jobId() + " of " + o.messageId() + " carries no message for its undelivered recipients:"
                    + " they cannot be retried or reported" : null);
        }
        Instant submitted = pending.submittedAt() != null ? pending.submittedAt() : now;
        Instant lifetimeEnd = submitted.plus(lifetime);
        boolean expire = !deferred.isEmpty() && !now.isBefore(lifetimeEnd);
        Instant due = now.plus(backoff.after(Math.max(1, o.attempt())));
        boolean delayNotice = !expire && !deferred.isEmpty() && !pending.delayNotified()
                && !now.isBefore(submitted.plus(delayWarning))
                && Notify.wants(pending.from(), pending.dsn(), Action.DELAYED);

        List<DeliveryEvent> events = new ArrayList<>(base.size());
        List<RecipientReport> failed = new ArrayList<>();
        List<RecipientReport> delayed = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) {
            DeliveryEvent e = base.get(i);
            RecipientResult r = o.results().get(i);
            if (e.status() == Status.DEFERRED && expire) {
                e = new DeliveryEvent(e.id(), e.recipient(), Status.EXPIRED, e.attempt(), e.site(), e.relay(), e.smtp(),
                        e.dsn(), e.tls(), e.connectionUse(), e.delays(), e.timestamp(),
                        "message expired after " + human(lifetime) + " in the queue; last error: " + r.reason(), null,
                        e.replyClass(), e.source());
                failed.add(RecipientReport.of(o, r, Action.FAILED));
            } else if (e.status() == Status.DEFERRED) {
                e = e.withNextAttempt(due);
                if (delayNotice) {
                    delayed.add(RecipientReport.of(o, r, Action.DELAYED).withRetryUntil(lifetimeEnd));
                }
            } else if (e.status() == Status.BOUNCED) {
                failed.add(RecipientReport.of(o, r, Action.FAILED));
            }
            events.add(e);
        }
        Retry retry = null;
        if (!deferred.isEmpty() && !expire) {
            retry = new Retry(Topics.retry(backoff.tierAfter(Math.max(1, o.attempt()))), o.site(),
                    pending.retry(deferred, Math.max(1, o.attempt()) + 1, due, pending.delayNotified() || delayNotice));
        }
        List<QueuedMessage> notices = new ArrayList<>(2);
        notice(dsn, pending, failed, o, "failed", now).ifPresent(notices::add);
        notice(dsn, pending, delayed, o, "delayed", now).ifPresent(notices::add);
        return new OutcomePlan(events, retry, notices, null);
    }

    private static Optional<QueuedMessage> notice(DsnWriter dsn, QueuedMessage m, List<RecipientReport> reports,
                                                  DeliveryOutcome o, String kind, Instant now) {
        if (reports.isEmpty()) {
            return Optional.empty();
        }
        int n = Math.floorMod((o.jobId() + "/" + o.attempt() + "/" + kind).hashCode(), 1_000_000_000);
        return dsn.write(m, reports, n, now);
    }

    private static String human(Duration d) {
        if (d.toSeconds() % 86400 == 0) {
            return d.toDays() + "d";
        }
        if (d.toSeconds() % 3600 == 0) {
            return d.toHours() + "h";
        }
        return d.toSeconds() + "s";
    }
}
