package warmwire.session.conn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.NetClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.session.outcome.OutcomeBuilder;
import warmwire.session.smtp.DotStuffer;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.ReplyLimits;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * The SMTP state machine end to end against a scripted server on loopback: endpoints, TLS
 * levels, pipelining, reply mapping, timeouts and broken connections, down to the
 * DeliveryOutcome.
 */
class SmtpDeliveryTest {
    @RegisterExtension
    static final Loopback net = new Loopback();
    private SmtpTimeouts timeouts;
    private PeerVerifier verifier;

    @BeforeEach
    void defaults() {
        timeouts = SmtpTimeouts.all(Duration.ofSeconds(5));
        verifier = TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem);
    }

    /** REQUIRETLS on the envelopes of this test. */
    private boolean requireTls;

    private static Endpoint local(int port) {
        return new Endpoint("localhost", "127.0.0.1", port, 10);
    }

    private DeliveryOutcome deliver(List<Endpoint> endpoints, TlsLevel level, List<String> rcpts, byte[] content)
            throws Exception {
        return deliver(endpoints, level, rcpts, content, true);
    }

    private DeliveryOutcome deliver(List<Endpoint> endpoints, TlsLevel level, List<String> rcpts, byte[] content,
                                    boolean chunking) throws Exception {
        SmtpSettings settings = new SmtpSettings("client.test", timeouts, ReplyLimits.DEFAULT, chunking);
        NetClient client = EndpointWalker.createClient(net.vertx(), settings);
        try {
            EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings, verifier);
            Envelope env = new Envelope("sender@example.org", rcpts, content, requireTls);
            DeliveryAttempt a = walker.deliver(endpoints, level, env).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            Instant now = Instant.now();
            DeliveryJob job = new DeliveryJob("m1/1/site", "m1", new Site(List.of("localhost"), endpoints.get(0).port(), level),
                    endpoints, "sender@example.org", rcpts, content, level, 1,
                    now.minusSeconds(2), now.minusSeconds(1), 0.25);
            DeliveryOutcome o = OutcomeBuilder.build(job, a, now);
            assertEquals(rcpts.size(), o.results().size(), "one result per recipient");
            return o;
        } finally {
            Thread.sleep(50); // let QUIT go out before the client closes
            client.close();
        }
    }

    private DeliveryOutcome deliver(ScriptedSmtpServer s, TlsLevel level, String... rcpts) throws Exception {
        return deliver(List.of(local(s.port())), level, List.of(rcpts), "Subject: t\r\n\r\nhello\r\n".getBytes());
    }

    private static void assertAll(DeliveryOutcome o, Status status) {
        for (RecipientResult r : o.results()) {
            assertEquals(status, r.status(), r.toString());
        }
    }

    private static int indexOf(ScriptedSmtpServer s, String prefix) {
        for (int i = 0; i < s.commands.size(); i++) {
            if (s.commands.get(i).toUpperCase().startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static final List<String> CHUNKING = List.of("PIPELINING", "CHUNKING", "8BITMIME", "SIZE 10485760",
            "ENHANCEDSTATUSCODES");

    @Test
    void withChunkingTheMessageGoesInOneBdatChunkNotDotStuffedOneRoundTrip() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = CHUNKING;
        byte[] content = "Subject: t\n\n.leading dot\r\nbare LF\nno final line end".getBytes(StandardCharsets.US_ASCII);
        DeliveryOutcome o = deliver(List.of(local(s.port())), TlsLevel.NONE, List.of("a@example.com", "b@example.com"),
                content);
        assertAll(o, Status.DELIVERED);
        byte[] canonical = "Subject: t\r\n\r\n.leading dot\r\nbare LF\r\nno final line end\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(canonical, s.bodies.get(0), "CR LF line ends, no doubled dot, no terminator");
        int bdat = indexOf(s, "BDAT");
        assertTrue(bdat > 0, s.commands.toString());
        assertEquals("BDAT " + canonical.length + " LAST", s.commands.get(bdat));
        assertEquals(-1, indexOf(s, "DATA"), "no DATA command");
        assertTrue(s.pipelinedMail, "MAIL, RCPT and BDAT went in one write");
    }

    @Test
    void withChunkingRejectedRecipientsAndARefusedMessageKeepTheirOwnReplies() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = CHUNKING;
        s.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 unknown user" : "250 2.1.5 Ok";
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "good@example.com", "bad@example.com");
        assertEquals(Status.DELIVERED, o.results().get(0).status());
        assertEquals(Status.BOUNCED, o.results().get(1).status());

        ScriptedSmtpServer t = net.server();
        t.extensions = CHUNKING;
        t.rcptReply = r -> "550 5.1.1 unknown user";
        DeliveryOutcome none = deliver(t, TlsLevel.NONE, "x@example.com");
        assertAll(none, Status.BOUNCED);
        assertTrue(none.results().get(0).reason().contains("RCPT TO"), none.results().get(0).reason());

        ScriptedSmtpServer u = net.server();
        u.extensions = CHUNKING;
        u.bdatReply = "452 4.3.1 Insufficient system storage";
        DeliveryOutcome later = deliver(u, TlsLevel.NONE, "y@example.com");
        assertAll(later, Status.DEFERRED);
        assertTrue(later.results().get(0).reason().contains("(in reply to BDAT command)"), later.results().get(0).reason());
    }

    @Test
    void dataWhenChunkingIsOffOrTheMessageIsLarge() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = CHUNKING;
        assertAll(deliver(List.of(local(s.port())), TlsLevel.NONE, List.of("a@example.com"),
                "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII), false), Status.DELIVERED);
        assertEquals(-1, indexOf(s, "BDAT"));
        assertTrue(indexOf(s, "DATA") > 0, "warmwire.smtp.chunking=false: DATA");

        ScriptedSmtpServer t = net.server();
        t.extensions = CHUNKING;
        byte[] big = new byte[SmtpSession.BDAT_MAX + 1];
        java.util.Arrays.fill(big, (byte) 'x');
        assertAll(deliver(List.of(local(t.port())), TlsLevel.NONE, List.of("a@example.com"), big), Status.DELIVERED);
        assertEquals(-1, indexOf(t, "BDAT"));
        assertTrue(indexOf(t, "DATA") > 0, "past BDAT_MAX the message streams with DATA");
    }

    @Test
    void secondConnectionOfOneClientResumesTheTlsSession() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        SmtpSettings settings = new SmtpSettings("client.test", timeouts);
        NetClient client = EndpointWalker.createClient(net.vertx(), settings);
        try {
            EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings, verifier);
            Envelope env = new Envelope("sender@example.org", List.of("a@example.com"), "Subject: t\r\n\r\nx\r\n".getBytes());
            DeliveryAttempt first = walker.deliver(List.of(local(s.port())), TlsLevel.ENCRYPT, env)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Thread.sleep(20); // a full handshake's session is created after this instant
            DeliveryAttempt second = walker.deliver(List.of(local(s.port())), TlsLevel.ENCRYPT, env)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertNotNull(first.tls());
            assertNotNull(second.tls());
            assertFalse(first.tls().resumed(), "the first handshake is a full one");
            assertTrue(second.tls().resumed(), "the same client resumes its session: " + second.tls());
        } finally {
            Thread.sleep(50);
            client.close();
        }
    }

    @Test
    void deliveredOverStartTlsWithVersionAndCipher() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        byte[] content = "Subject: t\n\n.leading dot\nbare lf\r\nend".getBytes(StandardCharsets.US_ASCII);
        DeliveryOutcome o = deliver(List.of(local(s.port())), TlsLevel.MAY, List.of("a@example.com", "b@example.com"), content);

        assertAll(o, Status.DELIVERED);
        assertEquals(250, o.results().get(0).smtp().code());
        assertEquals("2.0.0", o.results().get(0).smtp().enhanced());
        assertNotNull(o.tls());
        assertTrue(o.tls().version().startsWith("TLSv1."), o.tls().version());
        assertEquals(s.tlsProtocols.get(0), o.tls().version());
        assertTrue(o.tls().cipher().startsWith("TLS_"), o.tls().cipher());
        assertTrue(o.tls().verified(), "localhost certificate is in the trust file");
        assertFalse(o.tls().resumed());
        assertEquals(List.of("localhost"), s.sniNames, "SNI = endpoint host");
        assertEquals("localhost[127.0.0.1]:" + s.port(), o.relay());
        assertEquals(1, o.connectionUse());
        assertEquals(0.25, o.delays().route(), 1e-9);
        assertEquals(0.75, o.delays().queue(), 1e-6);
        assertTrue(o.delays().connect() > 0 && o.delays().transmit() > 0, o.delays().toString());
        // RFC 3207: EHLO again after TLS, and nothing of the mail before STARTTLS
        assertTrue(indexOf(s, "STARTTLS") > 0);
        assertTrue(indexOf(s, "MAIL") > indexOf(s, "STARTTLS"));
        assertEquals(2, s.commands.stream().filter(c -> c.startsWith("EHLO client.test")).count());
        assertTrue(s.received("QUIT"));
        // dot-stuffed and CRLF-normalised on the wire (terminator excluded by the server)
        byte[] wire = DotStuffer.encode(content);
        assertArrayEquals(java.util.Arrays.copyOf(wire, wire.length - 3), s.bodies.get(0));
        assertEquals("Subject: t\r\n\r\n..leading dot\r\nbare lf\r\nend\r\n", new String(s.bodies.get(0), StandardCharsets.US_ASCII));
    }

    @Test
    void pipelinedWhenOffered() throws Exception {
        ScriptedSmtpServer s = net.server();
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "a@example.com", "b@example.com");
        assertAll(o, Status.DELIVERED);
        assertTrue(s.pipelinedMail, "RCPT/DATA were sent before the MAIL reply");
        assertNull(o.tls());
        assertFalse(s.received("STARTTLS"));
    }

    @Test
    void lockstepWithoutPipelining() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of("8BITMIME", "SIZE 1000000");
        DeliveryOutcome o = deliver(s, TlsLevel.MAY, "a@example.com", "b@example.com");
        assertAll(o, Status.DELIVERED);
        assertFalse(s.pipelinedMail, "lockstep: nothing after MAIL until its reply");
        assertTrue(s.commands.stream().anyMatch(c -> c.startsWith("MAIL FROM:<sender@example.org> SIZE=")));
    }

    @Test
    void eightBitBodyDeclared() throws Exception {
        ScriptedSmtpServer s = net.server();
        byte[] content = "Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9\r\n".getBytes(StandardCharsets.UTF_8);
        DeliveryOutcome o = deliver(List.of(local(s.port())), TlsLevel.NONE, List.of("a@example.com"), content);
        assertAll(o, Status.DELIVERED);
        assertTrue(s.commands.stream().anyMatch(c -> c.startsWith("MAIL") && c.contains(" BODY=8BITMIME")), s.commands.toString());
        assertArrayEquals(content, s.bodies.get(0));
    }

    @Test
    void aMessageOverTheServersSizeLimitBouncesWithoutBeingSent() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of("PIPELINING", "8BITMIME", "SIZE 1000", "ENHANCEDSTATUSCODES");
        byte[] big = ("Subject: big\r\n\r\n" + "x".repeat(2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        DeliveryOutcome o = deliver(List.of(local(s.port())), TlsLevel.NONE, List.of("a@example.com", "b@example.com"), big);
        assertAll(o, Status.BOUNCED);
        assertEquals("5.3.4", o.results().get(0).dsn());
        assertTrue(o.results().get(0).reason().contains("exceeds size limit 1000 of server"), o.results().get(0).reason());
        assertFalse(s.received("MAIL"), "nothing of the transaction went out: " + s.commands);
        assertTrue(s.bodies.isEmpty());
    }

    @Test
    void eightBitDataGoesOnlyToAServerThatOffers8bitmime() throws Exception {
        ScriptedSmtpServer sevenBit = net.server();
        sevenBit.extensions = List.of("PIPELINING", "SIZE 10485760", "ENHANCEDSTATUSCODES");
        byte[] eight = "Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9\r\n".getBytes(StandardCharsets.UTF_8);
        DeliveryOutcome o = deliver(List.of(local(sevenBit.port())), TlsLevel.NONE, List.of("a@example.com"), eight);
        assertAll(o, Status.BOUNCED);
        assertEquals("5.6.3", o.results().get(0).dsn());
        assertTrue(o.results().get(0).reason().contains("8BITMIME is required"), o.results().get(0).reason());
        assertFalse(sevenBit.received("MAIL"), "RFC 6152: no 8-bit data to a server without 8BITMIME: " + sevenBit.commands);

        byte[] seven = "Subject: plain\r\n\r\nsummer\r\n".getBytes(StandardCharsets.US_ASCII);
        DeliveryOutcome ok = deliver(List.of(local(sevenBit.port())), TlsLevel.NONE, List.of("b@example.com"), seven);
        assertAll(ok, Status.DELIVERED);
        assertTrue(sevenBit.commands.stream().noneMatch(c -> c.contains("BODY=")), sevenBit.commands.toString());
    }

    @Test
    void nonAsciiAddressesGoOnlyToAServerThatOffersSmtputf8() throws Exception {
        ScriptedSmtpServer plain = net.server();
        DeliveryOutcome o = deliver(plain, TlsLevel.NONE, "j\u00fcrgen@example.com");
        assertAll(o, Status.BOUNCED);
        assertEquals("5.6.7", o.results().get(0).dsn());
        assertTrue(o.results().get(0).reason().contains("SMTPUTF8 is required, but was not offered by host"),
                o.results().get(0).reason());
        assertFalse(plain.received("MAIL"), "RFC 6531: no non-ASCII address to a server without SMTPUTF8: " + plain.commands);

        ScriptedSmtpServer utf8 = net.server();
        utf8.extensions = List.of("PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE 10485760", "ENHANCEDSTATUSCODES");
        DeliveryOutcome ok = deliver(utf8, TlsLevel.NONE, "j\u00fcrgen@example.com");
        assertAll(ok, Status.DELIVERED);
        assertTrue(utf8.commands.stream().anyMatch(c -> c.startsWith("MAIL") && c.endsWith(" SMTPUTF8")), utf8.commands.toString());
    }

    @Test
    void requireTlsGoesOnlyOverVerifiedTlsToAServerThatOffersIt() throws Exception {
        requireTls = true;
        ScriptedSmtpServer without = net.server();
        without.tls = TestCerts.localhost().serverContext();
        DeliveryOutcome o = deliver(without, TlsLevel.VERIFY, "a@example.com");
        assertAll(o, Status.BOUNCED);
        assertEquals("5.7.30", o.results().get(0).dsn());
        assertTrue(o.results().get(0).reason().contains("REQUIRETLS support required, but was not offered by host"),
                o.results().get(0).reason());
        assertFalse(without.received("MAIL"), "RFC 8689: nothing sent: " + without.commands);

        ScriptedSmtpServer unverified = net.server();
        unverified.tls = TestCerts.localhost().serverContext();
        unverified.extensions = List.of("PIPELINING", "REQUIRETLS", "SIZE 10485760");
        DeliveryOutcome u = deliver(List.of(new Endpoint("mx.example.invalid", "127.0.0.1", unverified.port(), 10)),
                TlsLevel.ENCRYPT, List.of("a@example.com"), "x\r\n".getBytes());
        assertAll(u, Status.BOUNCED);
        assertTrue(u.results().get(0).reason().contains("is not verified"), u.results().get(0).reason());
        assertFalse(unverified.received("MAIL"));

        ScriptedSmtpServer with = net.server();
        with.tls = TestCerts.localhost().serverContext();
        with.extensions = List.of("PIPELINING", "REQUIRETLS", "SIZE 10485760", "ENHANCEDSTATUSCODES");
        DeliveryOutcome ok = deliver(with, TlsLevel.VERIFY, "a@example.com");
        assertAll(ok, Status.DELIVERED);
        assertTrue(with.commands.stream().anyMatch(c -> c.startsWith("MAIL") && c.endsWith(" REQUIRETLS")), with.commands.toString());
    }

    @Test
    void rcpt550BouncedWhileOthersDelivered() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 <" + r + ">: Recipient address rejected" : "250 2.1.5 Ok";
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "good@example.com", "bad@example.com", "also@example.com");
        assertEquals(Status.DELIVERED, o.results().get(0).status());
        RecipientResult bad = o.results().get(1);
        assertEquals(Status.BOUNCED, bad.status());
        assertEquals(550, bad.smtp().code());
        assertEquals("5.1.1", bad.smtp().enhanced());
        assertTrue(bad.reason().contains("in reply to RCPT TO command"), bad.reason());
        assertEquals(Status.DELIVERED, o.results().get(2).status());
    }

    @Test
    void rcpt451Deferred() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rcptReply = r -> r.startsWith("grey") ? "451 4.7.1 Greylisted, try later" : "250 2.1.5 Ok";
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "grey@example.com", "ok@example.com");
        assertEquals(Status.DEFERRED, o.results().get(0).status());
        assertEquals(451, o.results().get(0).smtp().code());
        assertEquals("4.7.1", o.results().get(0).smtp().enhanced());
        assertEquals(Status.DELIVERED, o.results().get(1).status());
    }

    @Test
    void endOfDataReplyDecidesAcceptedRecipients() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.dataDoneReply = "554 5.7.1 Message rejected as spam";
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "a@example.com", "b@example.com");
        assertAll(o, Status.BOUNCED);
        assertEquals(554, o.results().get(1).smtp().code());
        assertTrue(o.results().get(1).reason().contains("end of DATA"), o.results().get(1).reason());

        ScriptedSmtpServer t = net.server();
        t.dataDoneReply = "452 4.3.1 Insufficient system storage";
        assertAll(deliver(t, TlsLevel.NONE, "a@example.com"), Status.DEFERRED);
    }

    @Test
    void allRecipientsRejectedSendsRsetNotData() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of();
        s.rcptReply = r -> "550 5.1.1 no such user";
        DeliveryOutcome o = deliver(s, TlsLevel.NONE, "x@example.com", "y@example.com");
        assertAll(o, Status.BOUNCED);
        assertTrue(s.received("RSET"), s.commands.toString());
        assertFalse(s.received("DATA"), s.commands.toString());
    }

    @Test
    void encryptWithoutStartTlsNeverSendsMail() throws Exception {
        ScriptedSmtpServer s = net.server(); // no STARTTLS offered
        DeliveryOutcome o = deliver(s, TlsLevel.ENCRYPT, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().startsWith("TLS is required, but was not offered by host localhost[127.0.0.1]:"),
                o.results().get(0).reason());
        assertFalse(s.received("MAIL"), s.commands.toString());
        assertFalse(s.received("RCPT"));
        assertTrue(s.received("QUIT"), "polite QUIT after refusing the session");
        assertEquals(0, o.results().stream().filter(r -> r.smtp() != null).count());
    }

    @Test
    void verifyWithUntrustedCertificateIsDeferred() throws Exception {
        verifier = TrustFileVerifier.fromTrustFile(TestCerts.other().pem);
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        DeliveryOutcome o = deliver(s, TlsLevel.VERIFY, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().startsWith("Server certificate not verified"), o.results().get(0).reason());
        assertFalse(s.received("MAIL"), s.commands.toString());
        assertEquals(1, s.tlsProtocols.size(), "the handshake happened; the check came after it");
    }

    @Test
    void verifyChecksTheHostName() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        Endpoint wrongName = new Endpoint("mx.example.invalid", "127.0.0.1", s.port(), 10);
        DeliveryOutcome o = deliver(List.of(wrongName), TlsLevel.VERIFY, List.of("a@example.com"), "x\r\n".getBytes());
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().contains("does not match host name mx.example.invalid"), o.results().get(0).reason());
        assertEquals(List.of("mx.example.invalid"), s.sniNames);
        assertFalse(s.received("MAIL"));
    }

    @Test
    void verifyWithTrustedCertificateDelivers() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        DeliveryOutcome o = deliver(s, TlsLevel.VERIFY, "a@example.com");
        assertAll(o, Status.DELIVERED);
        assertTrue(o.tls().verified());
    }

    @Test
    void failedHandshakeUnderMayIsDeferredNotClearText() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        // SSLv3 is disabled in every JDK 17 client: the handshake cannot succeed
        s.tlsEnabledProtocols = new String[] {"SSLv3"};
        DeliveryOutcome o = deliver(s, TlsLevel.MAY, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().contains("TLS"), o.results().get(0).reason());
        assertFalse(s.received("MAIL"), "never resent in clear text: " + s.commands);
    }

    @Test
    void serverClosingMidDataDefers() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.closeAfterBodyBytes = 10;
        byte[] content = "Subject: t\r\n\r\n".concat("line of body text\r\n".repeat(2000)).getBytes();
        DeliveryOutcome o = deliver(List.of(local(s.port())), TlsLevel.NONE, List.of("a@example.com", "b@example.com"), content);
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().startsWith("lost connection with localhost[127.0.0.1]:"), o.results().get(0).reason());
    }

    @Test
    void silentServerTimesOut() throws Exception {
        timeouts = SmtpTimeouts.all(Duration.ofSeconds(5)).with(SmtpState.GREETING, Duration.ofMillis(300));
        ScriptedSmtpServer s = net.server();
        s.silent = true;
        long t0 = System.nanoTime();
        DeliveryOutcome o = deliver(s, TlsLevel.MAY, "a@example.com");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "the greeting timeout, not a hang");
        assertAll(o, Status.DEFERRED);
        assertEquals("conversation with localhost[127.0.0.1]:" + s.port() + " timed out while receiving the initial server greeting",
                o.results().get(0).reason());
    }

    @Test
    void garbageGreetingIsAProtocolError() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.greeting = "HTTP/1.1 400 Bad Request";
        DeliveryOutcome o = deliver(s, TlsLevel.MAY, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().contains("protocol error"), o.results().get(0).reason());
    }

    @Test
    void firstEndpointRefusedSecondUsed() throws Exception {
        int dead;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = probe.getLocalPort();
        }
        ScriptedSmtpServer s = net.server();
        DeliveryOutcome o = deliver(List.of(local(dead), local(s.port())), TlsLevel.MAY, List.of("a@example.com"),
                "x\r\n".getBytes());
        assertAll(o, Status.DELIVERED);
        assertEquals("localhost[127.0.0.1]:" + s.port(), o.relay());
    }

    @Test
    void greetingRefusedThenNextEndpoint() throws Exception {
        ScriptedSmtpServer busy = net.server();
        busy.greeting = "421 4.3.2 Service not available";
        ScriptedSmtpServer s = net.server();
        DeliveryOutcome o = deliver(List.of(local(busy.port()), local(s.port())), TlsLevel.MAY, List.of("a@example.com"),
                "x\r\n".getBytes());
        assertAll(o, Status.DELIVERED);
        assertEquals("localhost[127.0.0.1]:" + s.port(), o.relay());
    }

    @Test
    void allEndpointsFailingDefersWithTheLastError() throws Exception {
        int dead;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = probe.getLocalPort();
        }
        ScriptedSmtpServer busy = net.server();
        busy.greeting = "554 5.7.1 go away";
        DeliveryOutcome o = deliver(List.of(local(busy.port()), local(dead)), TlsLevel.MAY, List.of("a@example.com", "b@example.com"),
                "x\r\n".getBytes());
        assertAll(o, Status.DEFERRED);
        assertEquals("connect to localhost[127.0.0.1]:" + dead + ": Connection refused", o.results().get(0).reason());
        assertEquals("none", o.relay());
        assertEquals(0, o.connectionUse());
    }

    @Test
    void ehloRejectedFallsBackToHelo() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.ehloReply = "502 5.5.2 Error: command not recognized";
        DeliveryOutcome o = deliver(s, TlsLevel.MAY, "a@example.com");
        assertAll(o, Status.DELIVERED);
        assertTrue(s.received("HELO client.test"), s.commands.toString());
        assertFalse(s.pipelinedMail, "no extensions after HELO");
    }
}
