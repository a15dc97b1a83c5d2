package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SessionTickets;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.TransactionResult;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;

/**
 * Both TLS engines through the real SmtpSession against a scripted STARTTLS server (JDK
 * SSLSocket on the server side): the engine in use, TlsDetails (version, cipher, resumed,
 * verified), resumption of TLS 1.3 and TLS 1.2 sessions by the same client and never by
 * another, verify failures (untrusted chain, wrong host name) ending the session before MAIL,
 * EHLO again after STARTTLS, and the handshake timeout.
 */
class TlsEngineTest {
    @RegisterExtension
    static final Loopback net = new Loopback();
    private final SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
    private final PeerVerifier trusting = TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem);

    private ScriptedSmtpServer tlsServer(String... protocols) throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        s.tlsEnabledProtocols = protocols.length == 0 ? null : protocols;
        return s;
    }

    private NetClient client(TlsEngine engine) {
        assumeUsable(engine);
        return net.client(EndpointWalker.createClient(net.vertx(), settings, engine));
    }

    /** OpenSSL ships for linux-x86_64 only (pom); elsewhere that engine's cases are skipped. */
    private static void assumeUsable(TlsEngine engine) {
        if (engine == TlsEngine.OPENSSL) {
            assumeTrue(engine.usable() == TlsEngine.OPENSSL, "OpenSSL not available here: " + TlsEngine.fallbackReason());
        }
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Endpoint local(ScriptedSmtpServer s) {
        return new Endpoint("localhost", "127.0.0.1", s.port(), 10);
    }

    /** Opens a session, notes the engine, sends one message, QUITs; returns its TLS details. */
    private TlsDetails deliverOne(NetClient client, ScriptedSmtpServer s, TlsLevel level, PeerVerifier verifier)
            throws Exception {
        SmtpSession session = new SmtpSession(net.vertx(), client, settings, local(s), level, verifier, SessionTickets.NONE, TlsResumption.INSPECTOR);
        await(session.open());
        TransactionResult r = await(session.send(new Envelope("a@example.org", List.of("b@example.com"), "x\r\n".getBytes())));
        assertNull(r.failure());
        assertEquals(250, r.dataDone().code());
        await(session.quit());
        return session.tls();
    }

    @Test
    void openSslIsAvailableOnLinuxX8664() {
        boolean shipped = System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        assumeTrue(shipped, "the pom ships the linux-x86_64 library only");
        assertEquals(TlsEngine.OPENSSL, TlsEngine.OPENSSL.usable(), "netty-tcnative did not load: " + TlsEngine.fallbackReason());
        assertNull(TlsEngine.fallbackReason());
    }

    @Test
    void engineNamesAndDefault() {
        assertEquals(TlsEngine.JDK, TlsEngine.parse("jdk"));
        assertEquals(TlsEngine.OPENSSL, TlsEngine.parse(" OpenSSL "));
        assertThrows(IllegalArgumentException.class, () -> TlsEngine.parse("boringssl"));
        assertEquals("openssl", TlsEngine.OPENSSL.wireName());
        assertEquals(TlsEngine.DEFAULT, TlsEngine.configured(), "nothing configured in a plain unit test");
        assertEquals(TlsEngine.JDK, TlsEngine.JDK.usable());
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void theConfiguredEngineDoesTheHandshake(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        NetClient client = client(engine);
        SmtpSession session = new SmtpSession(net.vertx(), client, settings, local(s), TlsLevel.ENCRYPT, trusting, SessionTickets.NONE, TlsResumption.INSPECTOR);
        await(session.open());
        try {
            TlsDetails t = session.tls();
            assertNotNull(t);
            assertEquals("TLSv1.3", t.protocol());
            assertEquals(s.tlsProtocols.get(0), t.protocol());
            assertTrue(t.cipher().startsWith("TLS_"), t.cipher());
            assertFalse(t.resumed(), "a new client's first handshake is a full one");
            assertTrue(t.verified(), String.valueOf(t.verifyProblem()));
            assertEquals(List.of("localhost"), s.sniNames, "SNI = the endpoint's host name");
            assertEquals(2, s.commands.stream().filter(c -> c.startsWith("EHLO client.test")).count(), "EHLO again after TLS");
            assertTrue(session.usable());
        } finally {
            await(session.quit());
        }
    }

    /** The socket's SslHandler runs the engine asked for (a raw STARTTLS over the same client). */
    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void theEngineInUseIsTheOneChosen(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        NetClient client = client(engine);
        NetSocket raw = await(client.connect(s.port(), "127.0.0.1"));
        io.vertx.core.Promise<Void> ready = io.vertx.core.Promise.promise();
        StringBuilder heard = new StringBuilder();
        raw.handler(b -> {
            heard.append(b.toString(StandardCharsets.US_ASCII));
            if (heard.indexOf("220 2.0.0") >= 0) {
                ready.tryComplete();
            }
        });
        raw.write("EHLO probe.test\r\nSTARTTLS\r\n");
        await(ready.future());
        await(raw.upgradeToSsl("localhost"));
        SSLEngine used = TlsResumption.engine(raw);
        raw.close();
        assertNotNull(used);
        assertEquals(engine == TlsEngine.OPENSSL, used instanceof ReferenceCountedOpenSslEngine, used.getClass().getName());
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void sameClientResumesTls13(TlsEngine engine) throws Exception {
        resumes(engine, "TLSv1.3");
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void sameClientResumesTls12(TlsEngine engine) throws Exception {
        resumes(engine, "TLSv1.2");
    }

    private void resumes(TlsEngine engine, String protocol) throws Exception {
        ScriptedSmtpServer s = tlsServer(protocol);
        NetClient client = client(engine);
        List<TlsDetails> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            seen.add(deliverOne(client, s, TlsLevel.VERIFY, trusting));
        }
        for (TlsDetails t : seen) {
            assertEquals(protocol, t.protocol());
            assertTrue(t.verified(), "a resumed session still has the chain to verify: " + t);
        }
        assertFalse(seen.get(0).resumed(), "first handshake full: " + seen);
        assertTrue(seen.get(1).resumed(), "second resumed: " + seen);
        assertTrue(seen.get(2).resumed(), "third resumed (the JDK server issues a ticket after each handshake): " + seen);
    }

    /**
     * Fresh clients never resume, however quickly they follow each other. (OpenSSL reports a
     * session's creation time in whole seconds: the JDK's creation-time rule would call most of
     * these resumed.)
     */
    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void aFullHandshakeIsNeverReportedResumed(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        for (int i = 0; i < 5; i++) {
            NetClient c = client(engine);
            TlsDetails t = deliverOne(c, s, TlsLevel.ENCRYPT, trusting);
            assertFalse(t.resumed(), "connection " + i + ": " + t);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void verifyFailsForAnUntrustedChainBeforeMail(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        NetClient client = client(engine);
        PeerVerifier otherCa = TrustFileVerifier.fromTrustFile(TestCerts.other().pem);
        SmtpSession session = new SmtpSession(net.vertx(), client, settings, local(s), TlsLevel.VERIFY, otherCa, SessionTickets.NONE, TlsResumption.INSPECTOR);
        Throwable e = assertThrows(Exception.class, () -> await(session.open()));
        SmtpFailure f = (SmtpFailure) e.getCause();
        assertEquals(SmtpFailure.Kind.TLS_NOT_VERIFIED, f.kind());
        assertTrue(f.getMessage().startsWith("Server certificate not verified: "), f.getMessage());
        assertTrue(f.getMessage().contains("untrusted issuer"), f.getMessage());
        assertNotNull(session.tls());
        assertFalse(session.tls().verified());
        await(session.quit());
        assertFalse(s.received("MAIL"), s.commands.toString());
        assertTrue(s.received("QUIT"), "the server still talks: QUIT, " + s.commands);
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void verifyFailsForAnotherHostName(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        NetClient client = client(engine);
        Endpoint wrong = new Endpoint("mx.example.invalid", "127.0.0.1", s.port(), 10);
        SmtpSession session = new SmtpSession(net.vertx(), client, settings, wrong, TlsLevel.VERIFY, trusting, SessionTickets.NONE, TlsResumption.INSPECTOR);
        Throwable e = assertThrows(Exception.class, () -> await(session.open()));
        SmtpFailure f = (SmtpFailure) e.getCause();
        assertEquals(SmtpFailure.Kind.TLS_NOT_VERIFIED, f.kind());
        assertTrue(f.getMessage().contains("does not match host name mx.example.invalid"), f.getMessage());
        await(session.quit()); // answered after the server noted the handshake
        assertEquals(List.of("mx.example.invalid"), s.sniNames, "SNI = the endpoint's host name");
        assertFalse(s.received("MAIL"));
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void encryptReportsAnUnverifiedChainButDelivers(TlsEngine engine) throws Exception {
        ScriptedSmtpServer s = tlsServer();
        NetClient client = client(engine);
        PeerVerifier otherCa = TrustFileVerifier.fromTrustFile(TestCerts.other().pem);
        TlsDetails t = deliverOne(client, s, TlsLevel.ENCRYPT, otherCa);
        assertFalse(t.verified());
        assertTrue(s.received("MAIL"));
    }

    /** A server that answers 220 to STARTTLS and then says nothing: the handshake timeout ends it. */
    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void silentHandshakeTimesOut(TlsEngine engine) throws Exception {
        assumeUsable(engine);
        SmtpSettings quick = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5))
                .with(SmtpState.TLS_HANDSHAKE, Duration.ofMillis(700)));
        NetClient client = net.client(EndpointWalker.createClient(net.vertx(), quick, engine));
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket c = server.accept()) {
                    OutputStream out = c.getOutputStream();
                    InputStream in = c.getInputStream();
                    out.write("220 mute.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    readLine(in);
                    out.write("250-mute.test\r\n250 STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    readLine(in);
                    out.write("220 2.0.0 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    in.readAllBytes(); // the ClientHello, never answered
                } catch (Exception e) {
                    // closed by the client
                }
            });
            t.setDaemon(true);
            t.start();
            Endpoint ep = new Endpoint("localhost", "127.0.0.1", server.getLocalPort(), 10);
            SmtpSession session = new SmtpSession(net.vertx(), client, quick, ep, TlsLevel.MAY, trusting, SessionTickets.NONE, TlsResumption.INSPECTOR);
            long t0 = System.nanoTime();
            Throwable e = assertThrows(Exception.class, () -> await(session.open()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            SmtpFailure f = (SmtpFailure) e.getCause();
            assertTrue(f.kind() == SmtpFailure.Kind.TIMEOUT || f.kind() == SmtpFailure.Kind.TLS_FAILED, f.toString());
            assertEquals(SmtpState.TLS_HANDSHAKE, f.state(), f.toString());
            assertTrue(ms >= 600 && ms < 4000, "ended by the 700 ms handshake timeout, after " + ms + " ms");
            assertFalse(session.usable());
        }
    }

    private static String readLine(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }

    /** The options carry the engine: the JDK engine's options when OpenSSL is asked for where it cannot load. */
    @Test
    void optionsCarryTheUsableEngine() {
        NetClientOptions o = EndpointWalker.clientOptions(settings, TlsEngine.JDK);
        assertTrue(o.getSslEngineOptions() instanceof io.vertx.core.net.JdkSSLEngineOptions);
        NetClientOptions p = EndpointWalker.clientOptions(settings, TlsEngine.OPENSSL);
        assertEquals(TlsEngine.OPENSSL.usable() == TlsEngine.OPENSSL,
                p.getSslEngineOptions() instanceof io.vertx.core.net.OpenSSLEngineOptions);
        assertFalse(o.isSsl(), "clear text first: STARTTLS upgrades");
        assertTrue(o.isTrustAll(), "the PeerVerifier judges the chain after the handshake");
        assertEquals(Set.of("TLSv1.2", "TLSv1.3"), o.getEnabledSecureTransportProtocols());
    }
}
