package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   RetryIT - deferred recipients are tried again, durably, with Postfix's backoff.
 * DESCRIPTION
 *   Issue 4, "Retries", over the real mesh with the IT mesh's backoffs (minimal 2 s, maximal
 *   8 s, lifetime 40 s: Mesh.java). The receiver is a {@link SmtpSink} of this JVM (sink.test)
 *   whose replies are scripted per recipient, or nothing at all (later.test, a closed port that a
 *   test opens later).
 *   - 450 once, then accepted: a {@code deferred} event (attempt 1, smtp 450, nextAttemptAt about
 *     minimal-backoff later), then {@code delivered} (attempt 2) no earlier than that time, and
 *     the sink has exactly one copy;
 *   - 450 four times: the waits (nextAttemptAt - event time) are 2, 4, 8, 8 s (doubling, capped at
 *     maximal-backoff), then delivered at attempt 5;
 *   - a closed port first (connection refused), a receiver later: delivered on a later attempt;
 *   - a deferred message waiting in its retry tier survives kill -9 of queue-service: after the
 *     restart it is delivered, once.
 */
class RetryIT {
    private static final Duration SLACK = Duration.ofMillis(1500);
    private final Mesh mesh = Mesh.get();

    @Test
    void deferredOnceThenDeliveredOnTheNextAttempt() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String rcpt = "retry-" + UUID.randomUUID() + "@sink.test";
        sink.replyOnce(rcpt, "450 4.2.0 <" + rcpt + ">: mailbox busy, try again later");
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());

        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 2, Duration.ofSeconds(60));
        JsonNode deferred = events.get(0);
        JsonNode delivered = events.get(1);
        assertEquals("deferred", deferred.path("status").asText(), events.toString());
        assertEquals(1, deferred.path("attempt").asInt(), deferred.toString());
        assertEquals(450, deferred.path("smtp").path("code").asInt(), deferred.toString());
        Instant at = Events.instant(deferred.path("timestamp"));
        Instant next = Events.instant(deferred.path("nextAttemptAt"));
        assertNotNull(next, "a deferred event says when the next attempt is due: " + deferred);
        assertNear(Mesh.MIN_BACKOFF, Duration.between(at, next), "first wait = minimal-backoff: " + deferred);

        assertEquals("delivered", delivered.path("status").asText(), events.toString());
        assertEquals(2, delivered.path("attempt").asInt(), delivered.toString());
        assertTrue(!Events.instant(delivered.path("timestamp")).isBefore(next.minus(Duration.ofMillis(500))),
                "not retried before its time: " + events);
        Thread.sleep(2000);
        assertEquals(2, mesh.events.seen(mail.id).size(), "no event after the final one: " + mesh.events.seen(mail.id));
        assertEquals(1, sink.receivedFor(rcpt).size(), "one copy at the receiver");
        assertEquals(2, sink.attempts(rcpt).size(), "two RCPT TO at the receiver: " + sink.attempts(rcpt));
    }

    @Test
    void backoffDoublesFromMinimalToMaximal() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String rcpt = "backoff-" + UUID.randomUUID() + "@sink.test";
        String busy = "450 4.2.0 <" + rcpt + ">: still busy";
        sink.replyOnce(rcpt, busy, busy, busy, busy);
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());

        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 5, Duration.ofSeconds(60));
        long[] expectedSeconds = {2, 4, 8, 8};
        for (int i = 0; i < 4; i++) {
            JsonNode d = events.get(i);
            assertEquals("deferred", d.path("status").asText(), events.toString());
            assertEquals(i + 1, d.path("attempt").asInt(), d.toString());
            Duration wait = Duration.between(Events.instant(d.path("timestamp")), Events.instant(d.path("nextAttemptAt")));
            assertNear(Duration.ofSeconds(expectedSeconds[i]), wait, "wait after attempt " + (i + 1) + ": " + d);
            if (i > 0) {
                Duration gap = Duration.between(Events.instant(events.get(i - 1).path("timestamp")), Events.instant(d.path("timestamp")));
                assertTrue(gap.compareTo(Duration.ofSeconds(expectedSeconds[i - 1]).minus(SLACK)) >= 0,
                        "attempt " + (i + 1) + " came " + gap.toMillis() + " ms after the previous one: " + events);
            }
        }
        assertEquals("delivered", events.get(4).path("status").asText(), events.toString());
        assertEquals(5, events.get(4).path("attempt").asInt(), events.toString());
        assertEquals(1, sink.receivedFor(rcpt).size());
    }

    @Test
    void closedPortFirstThenOpenedIsDeliveredOnALaterAttempt() throws Exception {
        String rcpt = "later-" + UUID.randomUUID() + "@later.test";
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        JsonNode deferred = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("deferred", deferred.path("status").asText(), "nothing listens on later.test yet: " + deferred);
        assertTrue(deferred.hasNonNull("nextAttemptAt"), deferred.toString());

        try (SmtpSink later = new SmtpSink(Mesh.LATER_PORT)) {
            JsonNode delivered = mesh.events.awaitEvents(e -> mail.id.equals(e.path("id").asText())
                    && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(35)).get(0);
            assertTrue(delivered.path("attempt").asInt() >= 2, delivered.toString());
            assertEquals(1, later.receivedFor(rcpt).size(), "one copy at the receiver");
            assertEquals(1, mesh.events.seen(mail.id).stream().filter(Events::isFinal).count(), mesh.events.seen(mail.id).toString());
        }
    }


    @Test
    void deferredMailSurvivesKillOfQueueService() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String rcpt = "durable-" + UUID.randomUUID() + "@sink.test";
        sink.reply(rcpt, "450 4.2.0 <" + rcpt + ">: not yet");
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        JsonNode deferred = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("deferred", deferred.path("status").asText(), deferred.toString());

        // the retry record now waits in a tier; the process that scheduled it dies
        mesh.kill9(Mesh.Part.QUEUE);
        sink.reply(rcpt, null); // any attempt from now on succeeds
        Duration restart = mesh.restart(Mesh.Part.QUEUE);
        System.out.println("RetryIT: queue-service ready again " + restart.toMillis() + " ms after the restart began");

        JsonNode delivered = mesh.events.awaitEvents(e -> mail.id.equals(e.path("id").asText())
                && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(35)).get(0);
        assertTrue(delivered.path("attempt").asInt() >= 2, delivered.toString());
        Thread.sleep(3000);
        assertEquals(1, mesh.events.seen(mail.id).stream().filter(Events::isFinal).count(),
                "one final event: " + mesh.events.seen(mail.id));
        assertEquals(1, sink.receivedFor(rcpt).size(), "one copy at the receiver");
    }

    static void assertNear(Duration expected, Duration actual, String message) {
        assertTrue(actual.minus(expected).abs().compareTo(SLACK) <= 0,
                "expected about " + expected.toMillis() + " ms, was " + actual.toMillis() + " ms; " + message);
    }
}
