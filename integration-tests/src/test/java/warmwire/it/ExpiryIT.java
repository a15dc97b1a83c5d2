package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * NAME
 *   ExpiryIT - a recipient that never stops deferring expires at the queue lifetime, and the
 *   sender is told with an RFC 3464 report; DELAY notices only when asked for.
 * DESCRIPTION
 *   Issue 4, "Expiry and bounces". The IT mesh runs with maximal-queue-lifetime 40 s and
 *   delay-warning-time 10 s (Mesh.java). Two messages are submitted together (BeforeAll), each
 *   to its own recipient at sink.test that the {@link SmtpSink} answers 450 for ever, each from
 *   its own sender at sink.test, so the notices land at the same sink:
 *   - "plain": no DSN request (NOTIFY absent = failures only);
 *   - "delay": NOTIFY=DELAY,FAILURE.
 *   Expected for both: deferred events, then exactly one {@code expired} event no earlier than
 *   the lifetime after submission, no attempt after it, and a failure DSN delivered to the
 *   sender (null envelope sender; multipart/report; report-type=delivery-status; Action: failed,
 *   Final-Recipient, Diagnostic-Code with the 450, the MAILER-DAEMON From, Auto-Submitted).
 *   For "delay" one DELAY notice (Action: delayed, Will-Retry-Until) before the expiry; for
 *   "plain" none.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpiryIT {
    private final Mesh mesh = Mesh.get();
    private SmtpSink sink;
    private Mail plain;
    private Mail delay;
    private Instant submitted;

    @BeforeAll
    void submitBoth() {
        sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        plain = new Mail("exp-plain-" + u + "@sink.test", "stuck-plain-" + u + "@sink.test");
        delay = new Mail("exp-delay-" + u + "@sink.test", "stuck-delay-" + u + "@sink.test")
                .dsn(List.of("DELAY", "FAILURE"), null, null);
        for (Mail m : List.of(plain, delay)) {
            sink.reply(m.to.get(0), "450 4.2.0 <" + m.to.get(0) + ">: mailbox unavailable for the test");
        }
        submitted = Instant.now();
        mesh.submit(plain.id, plain.json());
        mesh.submit(delay.id, delay.json());
    }

    @Test
    void stuckRecipientExpiresAtTheLifetimeWithOneFinalEvent() throws Exception {
        for (Mail m : List.of(plain, delay)) {
            JsonNode expired = awaitStatus(m, "expired", Mesh.QUEUE_LIFETIME.plusSeconds(60));
            List<JsonNode> all = mesh.events.seen(m.id);
            assertTrue(all.stream().filter(Events.status("deferred")).count() >= 2, "retried before it expired: " + all);
            Instant at = Events.instant(expired.path("timestamp"));
            assertTrue(!at.isBefore(submitted.plus(Mesh.QUEUE_LIFETIME).minusSeconds(2)),
                    "expired only after the lifetime (" + Mesh.QUEUE_LIFETIME + "): " + expired);
            assertTrue(expired.path("reason").asText().length() > 0, expired.toString());
        }
        int attempts = sink.attempts(plain.to.get(0)).size() + sink.attempts(delay.to.get(0)).size();
        Thread.sleep(Mesh.MAX_BACKOFF.plusSeconds(4).toMillis());
        for (Mail m : List.of(plain, delay)) {
            List<JsonNode> all = mesh.events.seen(m.id);
            assertEquals(1, all.stream().filter(Events::isFinal).count(), "exactly one final event: " + all);
            assertEquals("expired", all.get(all.size() - 1).path("status").asText(), "nothing after expired: " + all);
        }
        assertEquals(attempts, sink.attempts(plain.to.get(0)).size() + sink.attempts(delay.to.get(0)).size(),
                "no attempt after the expiry");
    }

    @Test
    void senderGetsAFailureReportWhenItExpires() throws Exception {
        for (Mail m : List.of(plain, delay)) {
            String stuck = m.to.get(0);
            SmtpSink.Received dsn = sink.await(r -> r.isTo(m.from) && r.data().contains("Action: failed"),
                    Mesh.QUEUE_LIFETIME.plusSeconds(90));
            assertEquals("", dsn.from(), "DSNs come from the null sender");
            assertTrue(dsn.header("Content-Type").toLowerCase().startsWith("multipart/report"), dsn.header("Content-Type"));
            assertTrue(dsn.header("Content-Type").toLowerCase().contains("report-type=delivery-status"), dsn.header("Content-Type"));
            assertTrue(dsn.header("From").contains("MAILER-DAEMON@" + Mesh.HOSTNAME), dsn.header("From"));
            assertEquals("auto-replied", dsn.header("Auto-Submitted"));
            assertTrue(dsn.data().contains("message/delivery-status"), dsn.data());
            assertTrue(dsn.data().contains("Reporting-MTA: dns; " + Mesh.HOSTNAME), dsn.data());
            assertTrue(dsn.data().contains("Final-Recipient: rfc822; " + stuck), dsn.data());
            assertTrue(dsn.data().matches("(?s).*Diagnostic-Code: smtp;\\s*450.*"), dsn.data());
            assertTrue(dsn.data().contains(m.messageId), "the report names or returns the original message: " + dsn.data());
            JsonNode dsnEvent = mesh.events.awaitEvents(e -> e.path("id").asText().startsWith(m.id + ".dsn.")
                    && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(30)).get(0);
            assertEquals(m.from, dsnEvent.path("recipient").asText(), dsnEvent.toString());
        }
    }

    @Test
    void delayNoticeOnlyWhenAskedFor() throws Exception {
        awaitStatus(plain, "expired", Mesh.QUEUE_LIFETIME.plusSeconds(60));
        JsonNode expired = awaitStatus(delay, "expired", Mesh.QUEUE_LIFETIME.plusSeconds(60));
        sink.await(r -> r.isTo(plain.from) && r.data().contains("Action: failed"), Duration.ofSeconds(60));
        sink.await(r -> r.isTo(delay.from) && r.data().contains("Action: failed"), Duration.ofSeconds(60));

        List<SmtpSink.Received> delayed = sink.receivedFor(delay.from).stream()
                .filter(r -> r.data().contains("Action: delayed")).toList();
        assertEquals(1, delayed.size(), "one DELAY notice for NOTIFY=DELAY: " + sink.receivedFor(delay.from));
        SmtpSink.Received notice = delayed.get(0);
        assertEquals("", notice.from());
        assertTrue(notice.data().contains("Final-Recipient: rfc822; " + delay.to.get(0)), notice.data());
        assertTrue(notice.data().contains("Will-Retry-Until:"), notice.data());
        assertTrue(notice.at().isBefore(Events.instant(expired.path("timestamp"))), "the DELAY notice came before the expiry");
        assertTrue(notice.at().isAfter(submitted.plus(Mesh.DELAY_WARNING).minusSeconds(1)),
                "not before delay-warning-time (" + Mesh.DELAY_WARNING + ")");

        assertTrue(sink.receivedFor(plain.from).stream().noneMatch(r -> r.data().contains("Action: delayed")),
                "no DELAY notice without NOTIFY=DELAY: " + sink.receivedFor(plain.from));
    }

    private JsonNode awaitStatus(Mail m, String status, Duration timeout) throws InterruptedException {
        JsonNode e = mesh.events.awaitEvents(x -> m.id.equals(x.path("id").asText()) && status.equals(x.path("status").asText()),
                1, timeout).get(0);
        assertNotNull(e);
        return e;
    }
}
