package warmwire.session.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.NetClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.contracts.text.BoundedText;
import warmwire.session.outcome.OutcomeBuilder;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * Issue 11 against a scripted server on loopback: replies past their bounds, unsolicited
 * replies, a 2xx to DATA, bytes injected behind the 220 to STARTTLS, a trickling server. Each
 * ends in a deferral with a reason that names what happened, and never in "delivered"
 * without a body.
 */
class HostileServerTest {
    @RegisterExtension
    static final Loopback net = new Loopback();

    private static Endpoint local(int port) {
        return new Endpoint("localhost", "127.0.0.1", port, 10);
    }

    private DeliveryOutcome deliver(ScriptedSmtpServer s, TlsLevel level, Duration timeout, String... rcpts) throws Exception {
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(timeout));
        NetClient client = EndpointWalker.createClient(net.vertx(), settings);
        try {
            EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings,
                    TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem));
            List<Endpoint> endpoints = List.of(local(s.port()));
            byte[] content = "Subject: t\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            DeliveryAttempt a = walker.deliver(endpoints, level, new Envelope("sender@example.org", List.of(rcpts), content))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Instant now = Instant.now();
            DeliveryJob job = new DeliveryJob("m1/1/site", "m1", new Site(List.of("localhost"), s.port(), level),
                    endpoints, "sender@example.org", List.of(rcpts), content, level, 1,
                    now, now, 0);
            return OutcomeBuilder.build(job, a, now);
        } finally {
            Thread.sleep(50);
            client.close();
        }
    }

    private DeliveryOutcome deliver(ScriptedSmtpServer s, String... rcpts) throws Exception {
        return deliver(s, TlsLevel.NONE, Duration.ofSeconds(5), rcpts);
    }

    private static void assertDeferred(DeliveryOutcome o, String reasonPart) {
        for (RecipientResult r : o.results()) {
            assertEquals(Status.DEFERRED, r.status(), r.toString());
            assertTrue(r.reason().contains(reasonPart), "reason names it: " + r.reason());
            assertTrue(r.reason().length() <= BoundedText.MAX_REASON, "reason bounded: " + r.reason().length());
            assertTrue(r.smtp() == null || r.smtp().text().length() <= BoundedText.MAX_REPLY_TEXT);
        }
    }

    @Test
    void aReplyLineLongerThanTheLimitIsAProtocolError() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rawEhloReply = ("250-" + "x".repeat(5000) + "\r\n250 OK\r\n").getBytes(StandardCharsets.US_ASCII);
        DeliveryOutcome o = deliver(s, "a@example.com");
        assertDeferred(o, "reply line longer than 2048 bytes");
        assertFalse(s.received("MAIL"));
    }

    @Test
    void aReplyOfTooManyLinesIsAProtocolError() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rawEhloReply = ("250-x\r\n".repeat(150) + "250 OK\r\n").getBytes(StandardCharsets.US_ASCII);
        assertDeferred(deliver(s, "a@example.com"), "reply longer than 100 lines");
    }

    @Test
    void aReplyOfTooManyBytesIsAProtocolError() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rawEhloReply = (("250-" + "y".repeat(1500) + "\r\n").repeat(60) + "250 OK\r\n").getBytes(StandardCharsets.US_ASCII);
        assertDeferred(deliver(s, "a@example.com"), "reply longer than 65536 bytes");
    }

    @Test
    void aReplyFloodEndsTheSessionAtOnceAndDeliversNothing() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of("8BITMIME"); // lockstep: each flood line is a reply nobody asked for
        s.floodLines = 50_000_000L;
        long t0 = System.nanoTime();
        DeliveryOutcome o = deliver(s, "a@example.com");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (RecipientResult r : o.results()) {
            assertEquals(Status.DEFERRED, r.status(), r.toString());
            assertTrue(r.reason().contains("protocol error"), r.reason());
        }
        assertTrue(s.bodies.isEmpty(), "no body was taken");
        assertTrue(ms < 5000, "ended in " + ms + " ms");
    }

    @Test
    void aPipelinedReplyFloodIsNeverCountedAsDelivery() throws Exception {
        ScriptedSmtpServer s = net.server(); // PIPELINING: the flood may answer the whole group
        s.floodLines = 50_000_000L;
        DeliveryOutcome o = deliver(s, "a@example.com", "b@example.com");
        for (RecipientResult r : o.results()) {
            assertEquals(Status.DEFERRED, r.status(), r.toString());
        }
        assertTrue(s.bodies.isEmpty(), "no body was taken");
    }

    @Test
    void aTwoHundredFiftyToDataIsAProtocolErrorNotADelivery() throws Exception {
        for (boolean pipelining : new boolean[]{true, false}) {
            ScriptedSmtpServer s = net.server();
            if (!pipelining) {
                s.extensions = List.of("8BITMIME");
            }
            s.dataReply = "250 2.0.0 Ok: queued as NOTHING";
            DeliveryOutcome o = deliver(s, "a@example.com", "b@example.com");
            assertDeferred(o, "DATA was answered 250 instead of 354");
            assertTrue(s.bodies.isEmpty());
            assertEquals("4.5.0", o.results().get(0).dsn());
        }
    }

    @Test
    void aRefusalOfDataStillDecides() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.dataReply = "554 5.6.0 no thanks";
        DeliveryOutcome o = deliver(s, "a@example.com");
        assertEquals(Status.BOUNCED, o.results().get(0).status());
        assertTrue(o.results().get(0).reason().contains("in reply to DATA command"));
    }

    @Test
    void aLineInjectedBehindTheStartTlsReplyAbortsTheConnection() throws Exception {
        for (String inject : new String[]{"250 2.0.0 injected\r\n", "25", "250-half a reply\r\n"}) {
            ScriptedSmtpServer s = net.server();
            s.tls = TestCerts.localhost().serverContext();
            s.starttlsInject = inject.getBytes(StandardCharsets.US_ASCII);
            DeliveryOutcome o = deliver(s, TlsLevel.ENCRYPT, Duration.ofSeconds(5), "a@example.com");
            assertDeferred(o, "data after the 220 reply to STARTTLS");
            assertFalse(s.received("MAIL"), "nothing was sent after the injection (" + inject.trim() + ")");
        }
    }

    @Test
    void aTricklingGreetingTimesOutAtTheStatesLimit() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.trickleMillis = 300; // the 31-byte greeting would take 9.3 s
        long t0 = System.nanoTime();
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, Duration.ofSeconds(1), "a@example.com");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertDeferred(o, "timed out while receiving the initial server greeting");
        assertTrue(ms < 5000, "gave up after " + ms + " ms (1 s timeout), not when the greeting ended");
    }

    @Test
    void aPipelinedGroupGetsTheTimeoutFromItsWriteNotPerReply() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rcptReply = r -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "250 2.1.5 Ok";
        };
        String[] rcpts = new String[10]; // 10 x 600 ms, each well within the 2 s timeout
        for (int i = 0; i < rcpts.length; i++) {
            rcpts[i] = "r" + i + "@example.com";
        }
        long t0 = System.nanoTime();
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, Duration.ofSeconds(2), rcpts);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertDeferred(o, "timed out while sending RCPT TO");
        assertTrue(ms < 5000, "ended after " + ms + " ms (2 s timeout, 6 s of replies)");
        assertTrue(s.bodies.isEmpty());
    }
}
