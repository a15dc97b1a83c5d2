package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * NAME
 *   BounceDsnIT - a permanent failure bounces, and the sender gets an RFC 3464 report as they
 *   asked for it (RFC 3461 NOTIFY, RET, ENVID), sent through Warmwire itself.
 * DESCRIPTION
 *   Issue 4, "Expiry and bounces". The real Postfix peer answers bounce@tls.test with 550 5.1.1;
 *   the senders live at sink.test, a {@link SmtpSink} of this JVM that captures the notices.
 *   Submitted together (BeforeAll):
 *   - full:  no RET, ENVID set -> one DSN: null envelope sender, multipart/report;
 *            report-type=delivery-status, Reporting-MTA, Original-Envelope-Id, Final-Recipient,
 *            Action: failed, Status: 5.1.1, Remote-MTA, Diagnostic-Code: smtp; 550 ..., and the
 *            whole original as message/rfc822 (Postfix returns the full message by default);
 *   - hdrs:  RET=HDRS -> the original's header section only, as text/rfc822-headers;
 *   - two:   two recipients the sink answers 550 and one it accepts, in one transaction -> one
 *            DSN naming both failed recipients and not the delivered one;
 *   - null:  the null sender -> a bounced event, never a DSN;
 *   - never: NOTIFY=NEVER -> a bounced event, no DSN.
 *   A DSN is mail too: its own id ({@code <id>.dsn.<n>}) gets a delivered event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BounceDsnIT {
    private static final String BOUNCE = "bounce@tls.test";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final Mesh mesh = Mesh.get();
    private SmtpSink sink;
    private String envid;
    private Mail full;
    private Mail hdrs;
    private Mail two;
    private Mail fromNull;
    private Mail never;

    @BeforeAll
    void submitAll() {
        sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        envid = "env-" + u;
        full = new Mail("full-" + u + "@sink.test", BOUNCE).dsn(List.of(), null, envid);
        hdrs = new Mail("hdrs-" + u + "@sink.test", BOUNCE).dsn(List.of("FAILURE"), "HDRS", null);
        two = new Mail("two-" + u + "@sink.test", "x1-" + u + "@sink.test", "x2-" + u + "@sink.test", "ok-" + u + "@sink.test");
        sink.reply(two.to.get(0), "550 5.1.1 <" + two.to.get(0) + ">: no such user here");
        sink.reply(two.to.get(1), "550 5.1.1 <" + two.to.get(1) + ">: no such user here");
        fromNull = new Mail("", BOUNCE);
        never = new Mail("never-" + u + "@sink.test", BOUNCE).dsn(List.of("NEVER"), null, null);
        for (Mail m : List.of(full, hdrs, two, fromNull, never)) {
            mesh.submit(m.id, m.json());
        }
    }

    @Test
    void bounceGivesAFailureReportWithTheWholeOriginal() throws Exception {
        JsonNode bounced = awaitStatus(full, BOUNCE, "bounced");
        assertEquals(550, bounced.path("smtp").path("code").asInt(), bounced.toString());
        assertEquals("5.1.1", bounced.path("dsn").asText(), bounced.toString());

        SmtpSink.Received dsn = sink.await(r -> r.isTo(full.from), WAIT);
        assertEquals("", dsn.from(), "DSNs come from the null sender (RFC 5321 4.5.5)");
        String type = dsn.header("Content-Type").toLowerCase();
        assertTrue(type.startsWith("multipart/report") && type.contains("report-type=delivery-status"), type);
        assertTrue(dsn.header("From").contains("MAILER-DAEMON@" + Mesh.HOSTNAME), dsn.header("From"));
        assertTrue(dsn.header("To").contains(full.from), dsn.header("To"));
        assertEquals("auto-replied", dsn.header("Auto-Submitted"));
        String body = dsn.data();
        for (String field : List.of("message/delivery-status", "Reporting-MTA: dns; " + Mesh.HOSTNAME,
                "Original-Envelope-Id: " + envid, "Final-Recipient: rfc822; " + BOUNCE, "Action: failed",
                "Status: 5.1.1", "Remote-MTA: dns;", "message/rfc822", "Message-ID: <" + full.messageId + ">",
                "Hello from Warmwire.")) {
            assertTrue(body.contains(field), "DSN lacks '" + field + "':\n" + body);
        }
        assertTrue(body.matches("(?s).*Diagnostic-Code: smtp;\\s*550.*"), body);

        JsonNode dsnEvent = awaitDsnEvent(full);
        assertEquals("delivered", dsnEvent.path("status").asText(), dsnEvent.toString());
        assertEquals(full.from, dsnEvent.path("recipient").asText(), dsnEvent.toString());
    }

    @Test
    void retHdrsReturnsTheHeaderSectionOnly() throws Exception {
        awaitStatus(hdrs, BOUNCE, "bounced");
        SmtpSink.Received dsn = sink.await(r -> r.isTo(hdrs.from), WAIT);
        String body = dsn.data();
        assertTrue(body.contains("text/rfc822-headers"), body);
        assertTrue(body.contains("Message-ID: <" + hdrs.messageId + ">"), body);
        assertFalse(body.contains("Hello from Warmwire."), "RET=HDRS: no body returned\n" + body);
        assertFalse(body.contains("message/rfc822"), body);
        assertTrue(body.contains("Action: failed"), body);
    }

    @Test
    void severalFailedRecipientsOfOneAttemptMakeOneReport() throws Exception {
        awaitStatus(two, two.to.get(0), "bounced");
        awaitStatus(two, two.to.get(1), "bounced");
        awaitStatus(two, two.to.get(2), "delivered");
        SmtpSink.Received dsn = sink.await(r -> r.isTo(two.from), WAIT);
        assertTrue(dsn.data().contains("Final-Recipient: rfc822; " + two.to.get(0)), dsn.data());
        assertTrue(dsn.data().contains("Final-Recipient: rfc822; " + two.to.get(1)), dsn.data());
        assertFalse(dsn.data().contains("Final-Recipient: rfc822; " + two.to.get(2)), "the delivered one is not reported\n" + dsn.data());
        Thread.sleep(5000);
        assertEquals(1, sink.receivedFor(two.from).size(), "one report for both: " + sink.receivedFor(two.from));
        assertEquals(1, sink.receivedFor(two.to.get(2)).size());
    }

    @Test
    void nullSenderAndNotifyNeverGetNoReport() throws Exception {
        awaitStatus(fromNull, BOUNCE, "bounced");
        awaitStatus(never, BOUNCE, "bounced");
        // the reports that are due have arrived: the pipeline had its chance
        sink.await(r -> r.isTo(full.from), WAIT);
        sink.await(r -> r.isTo(hdrs.from), WAIT);
        Thread.sleep(5000);
        for (Mail m : List.of(fromNull, never)) {
            List<JsonNode> dsnEvents = mesh.events.seen(e -> e.path("id").asText().startsWith(m.id + ".dsn."));
            assertTrue(dsnEvents.isEmpty(), "no DSN for " + (m == never ? "NOTIFY=NEVER" : "the null sender") + ": " + dsnEvents);
        }
        assertTrue(sink.receivedFor(never.from).isEmpty(), "NOTIFY=NEVER: nothing at the sender");
        assertTrue(sink.received().stream().noneMatch(r -> r.data().contains(fromNull.messageId)),
                "no report about the null sender's message anywhere");
    }

    private JsonNode awaitStatus(Mail m, String rcpt, String status) throws InterruptedException {
        return mesh.events.awaitEvents(Events.of(m.id, rcpt).and(Events.status(status)), 1, WAIT).get(0);
    }

    private JsonNode awaitDsnEvent(Mail m) throws InterruptedException {
        return mesh.events.awaitEvents(e -> e.path("id").asText().startsWith(m.id + ".dsn.") && Events.isFinal(e), 1, WAIT).get(0);
    }
}
