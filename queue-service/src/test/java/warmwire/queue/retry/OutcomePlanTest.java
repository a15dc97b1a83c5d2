package warmwire.queue.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.queue.dsn.DsnWriter;
import warmwire.contracts.outcome.DeliveryEvent;

class OutcomePlanTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private final Backoff backoff = new Backoff(Duration.ofSeconds(300), Duration.ofSeconds(4000));
    private final DsnWriter dsn = new DsnWriter("mx.warmwire.test", DsnWriter.DEFAULT_RETURN_SIZE_LIMIT);

    private static QueuedMessage message(String from, Dsn d) {
        return new QueuedMessage("m1", from, List.of("a@x.test", "b@x.test", "c@x.test"),
                "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                TlsLevel.MAY, null, null, d, 1, T0);
    }

    private static DeliveryOutcome outcome(int attempt, QueuedMessage m, RecipientResult... results) {
        return new DeliveryOutcome("m1", "m1/" + attempt + "/x.test:25/may", attempt, "x.test:25/may", "x.test[127.0.0.1]:25",
                List.of(results), null, 1, Delays.NONE, T0).withPending(m);
    }

    private static RecipientResult ok(String r) {
        return new RecipientResult(r, Status.DELIVERED, new SmtpReply(250, "2.0.0", "ok"), null, null);
    }

    private static RecipientResult later(String r) {
        return new RecipientResult(r, Status.DEFERRED, new SmtpReply(450, "4.2.0", "busy"), null, "host said: 450 busy");
    }

    private static RecipientResult never(String r) {
        return new RecipientResult(r, Status.BOUNCED, new SmtpReply(550, "5.1.1", "no such user"), null, "host said: 550");
    }

    private OutcomePlan plan(DeliveryOutcome o, Instant now) {
        return OutcomePlan.of(o, DeliveryEvent.ofOutcome(o, warmwire.contracts.classify.ReplyRules.defaults()), backoff, Duration.ofDays(5), Duration.ofHours(4), dsn, now);
    }

    @Test
    void deferredRecipientsWaitOnTheirTierAndBouncedOnesGetOneNotice() {
        DeliveryOutcome o = outcome(1, message("s@y.test", null), ok("a@x.test"), later("b@x.test"), never("c@x.test"));
        OutcomePlan p = plan(o, T0.plusSeconds(1));
        assertNull(p.problem());
        assertEquals("mail.retry.1", p.retry().topic());
        assertEquals(List.of("b@x.test"), p.retry().message().recipients());
        assertEquals(2, p.retry().message().attempt());
        assertEquals(T0.plusSeconds(301), p.retry().message().notBefore());
        assertEquals(T0.plusSeconds(301), p.events().get(1).nextAttemptAt());
        assertNull(p.events().get(0).nextAttemptAt());
        assertEquals(1, p.notices().size(), "one failure notice for c@");
        QueuedMessage n = p.notices().get(0);
        assertEquals("", n.from());
        assertEquals(List.of("s@y.test"), n.recipients());
        String body = new String(n.content(), StandardCharsets.UTF_8);
        assertTrue(body.contains("Final-Recipient: rfc822; c@x.test"), body);
        assertFalse(body.contains("b@x.test"), "the deferred recipient is not in a failure notice");
        assertEquals(plan(o, T0.plusSeconds(1)).notices().get(0).id(), n.id(), "a redelivered outcome: same notice id");

        OutcomePlan third = plan(outcome(3, message("s@y.test", null), later("b@x.test")), T0.plusSeconds(1));
        assertEquals("mail.retry.3", third.retry().topic());
        assertEquals(T0.plusSeconds(1201), third.retry().message().notBefore());
    }

    @Test
    void afterTheLifetimeDeferredRecipientsExpireWithANotice() {
        OutcomePlan p = plan(outcome(9, message("s@y.test", null), later("b@x.test")), T0.plus(Duration.ofDays(5)));
        assertNull(p.retry());
        assertEquals(Status.EXPIRED, p.events().get(0).status());
        assertTrue(p.events().get(0).reason().startsWith("message expired after 5d in the queue; last error: host said: 450"),
                p.events().get(0).reason());
        assertEquals(1, p.notices().size());
    }

    @Test
    void nullSenderAndNotifyNeverGetNoNoticeDelayOnlyWhenAskedAndOnce() {
        assertEquals(0, plan(outcome(1, message("", null), never("c@x.test")), T0).notices().size());
        assertEquals(0, plan(outcome(1, message("s@y.test", new Dsn(List.of("NEVER"), null, null)), never("c@x.test")), T0)
                .notices().size());
        Instant late = T0.plus(Duration.ofHours(5));
        assertEquals(0, plan(outcome(2, message("s@y.test", null), later("b@x.test")), late).notices().size(),
                "no DELAY notice unless asked");
        QueuedMessage asks = message("s@y.test", new Dsn(List.of("FAILURE", "DELAY"), null, null));
        OutcomePlan p = plan(outcome(2, asks, later("b@x.test")), late);
        assertEquals(1, p.notices().size());
        assertTrue(p.retry().message().delayNotified());
        QueuedMessage already = asks.retry(asks.recipients(), 3, null, true);
        assertEquals(0, plan(outcome(3, already, later("b@x.test")), late).notices().size(), "only once");
        assertEquals(0, plan(outcome(2, asks, later("b@x.test")), T0.plusSeconds(60)).notices().size(), "not before 4h");
    }

    @Test
    void anOutcomeWithoutItsMessageIsAProblemNotASilentLoss() {
        DeliveryOutcome bare = new DeliveryOutcome("m1", "j", 1, "s", "none", List.of(later("b@x.test")), null, 0, Delays.NONE, T0);
        OutcomePlan p = plan(bare, T0);
        assertNotNull(p.problem());
        assertNull(p.retry());
        assertEquals(1, p.events().size());
    }
}
