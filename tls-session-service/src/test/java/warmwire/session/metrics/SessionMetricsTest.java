package warmwire.session.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.session.conn.ConnectionEvents;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.readyq.ConnectionCache;
import warmwire.session.readyq.DeadSites;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * The meters against the connection cache and scripted servers on loopback: opened, held,
 * reused and handshake counts, the dead-sites gauge, the result of finished jobs, and the
 * Prometheus names the integration test greps.
 */
class SessionMetricsTest {
    @RegisterExtension
    static final Loopback net = new Loopback();

    private ConnectionCache cache(ConnectionEvents events, int rcptsPerTransaction, DeadSites dead) {
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
        NetClient client = net.client(EndpointWalker.createClient(net.vertx(), settings));
        EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings,
                TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem), events);
        ConnectionLimits limits = new ConnectionLimits(20, 1000, Duration.ofSeconds(30), Duration.ofSeconds(300),
                rcptsPerTransaction, 2, Duration.ofSeconds(10), 1024);
        return net.cache(new ConnectionCache(net.vertx(), walker, k -> limits, () -> false, dead, k -> null));
    }

    private static DeliveryAttempt deliver(ConnectionCache c, int port, TlsLevel level, String... rcpts) throws Exception {
        Future<DeliveryAttempt> f = c.deliver(new Site(List.of("localhost"), port, level).key(),
                List.of(new Endpoint("localhost", "127.0.0.1", port, 10)), level,
                new Envelope("sender@example.org", List.of(rcpts), "Subject: t\r\n\r\nhello\r\n".getBytes()));
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static double count(MeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).counter().count();
    }

    private static double gauge(MeterRegistry r, String name) {
        return r.get(name).gauge().value();
    }

    @Test
    void openHandshakeReuseAndHeldConnectionsAreCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        assertEquals(0, count(registry, "warmwire.tls.handshakes", "resumed", "true"), "both series exist from the start");
        assertEquals(0, count(registry, "warmwire.tls.handshakes", "resumed", "false"));
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        ConnectionCache c = cache(m, 50, DeadSites.off());

        DeliveryAttempt first = deliver(c, s.port(), TlsLevel.ENCRYPT, "a@example.com");
        assertEquals(1, first.connectionUse());
        assertEquals(1, count(registry, "warmwire.connections.opened"));
        assertEquals(1, count(registry, "warmwire.tls.handshakes", "resumed", "false"), "one full handshake");
        assertEquals(0, count(registry, "warmwire.connection.reuses"));
        assertEquals(1, gauge(registry, "warmwire.connections.open"), "the cached connection is held");

        DeliveryAttempt second = deliver(c, s.port(), TlsLevel.ENCRYPT, "b@example.com");
        assertEquals(2, second.connectionUse(), "the cached connection served the second job");
        assertEquals(1, count(registry, "warmwire.connections.opened"), "no new connection");
        assertEquals(1, count(registry, "warmwire.tls.handshakes", "resumed", "false"), "no new handshake");
        assertEquals(1, count(registry, "warmwire.connection.reuses"));
        assertEquals(1, gauge(registry, "warmwire.connections.open"));

        c.shutdown(Duration.ofSeconds(2)).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        await("QUIT at shutdown releases the connection").until(() -> m.connectionsOpen() == 0);
        assertEquals(0, gauge(registry, "warmwire.connections.open"));
    }

    @Test
    void freshConnectionsWithoutTheCacheCountResumedHandshakes() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        s.tlsEnabledProtocols = new String[] {"TLSv1.2"}; // every later connection of the client resumes
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
        NetClient client = net.client(EndpointWalker.createClient(net.vertx(), settings));
        EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings,
                TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem), m);
        for (int i = 0; i < 3; i++) {
            DeliveryAttempt a = walker.deliver(List.of(new Endpoint("localhost", "127.0.0.1", s.port(), 10)), TlsLevel.ENCRYPT,
                    new Envelope("sender@example.org", List.of("a@example.com"), "x\r\n".getBytes()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(1, a.connectionUse(), "a fresh connection per job");
        }
        assertEquals(3, count(registry, "warmwire.connections.opened"));
        assertEquals(1, count(registry, "warmwire.tls.handshakes", "resumed", "false"));
        assertEquals(2, count(registry, "warmwire.tls.handshakes", "resumed", "true"));
        assertEquals(0, count(registry, "warmwire.connection.reuses"));
        await("each connection QUIT after its job").until(() -> m.connectionsOpen() == 0);
    }

    @Test
    void furtherTransactionsOfOneJobCountAsReuse() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(m, 2, DeadSites.off());
        DeliveryAttempt a = deliver(c, s.port(), TlsLevel.NONE, "a@example.com", "b@example.com", "c@example.com",
                "d@example.com", "e@example.com");
        assertEquals(3, a.parts().size(), "2 + 2 + 1 recipients");
        assertEquals(1, count(registry, "warmwire.connections.opened"));
        assertEquals(2, count(registry, "warmwire.connection.reuses"), "transactions 2 and 3 on the same connection");
        assertEquals(0, count(registry, "warmwire.tls.handshakes", "resumed", "false"), "clear text: no handshake");
    }

    @Test
    void aRefusedConnectionIsNotOpenedAndMakesTheSiteDead() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        DeadSites dead = new DeadSites(Duration.ofSeconds(60), Duration.ofSeconds(60), Clock.systemUTC(), v -> { });
        m.watchDeadSites(dead);
        assertEquals(0, gauge(registry, "warmwire.dead.sites"));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ConnectionCache c = cache(m, 50, dead);
        DeliveryAttempt a = deliver(c, port, TlsLevel.NONE, "a@example.com");
        assertNull(a.relay(), "nobody answered");
        assertEquals(0, count(registry, "warmwire.connections.opened"), "refused: no TCP connection");
        assertEquals(0, gauge(registry, "warmwire.connections.open"));
        assertEquals(1, gauge(registry, "warmwire.dead.sites"), "the failed cohort made the site dead");
    }

    @Test
    void aGreetingRefusalStillCountsTheTcpConnection() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        ScriptedSmtpServer s = net.server();
        s.greeting = "554 5.3.2 go away";
        DeliveryAttempt a = deliver(cache(m, 50, DeadSites.off()), s.port(), TlsLevel.NONE, "a@example.com");
        assertEquals(0, a.connectionUse());
        assertEquals(1, count(registry, "warmwire.connections.opened"));
        await("never held").until(() -> m.connectionsOpen() == 0);
    }

    private static DeliveryOutcome outcome(Status... statuses) {
        List<RecipientResult> rs = new ArrayList<>();
        for (int i = 0; i < statuses.length; i++) {
            rs.add(new RecipientResult("r" + i + "@example.com", statuses[i], null, null, null));
        }
        return new DeliveryOutcome("m", "m/1/s", 1, "s", "none", rs, null, 0, Delays.NONE, Instant.now());
    }

    @Test
    void finishedJobsAreCountedByResult() {
        assertEquals("delivered", SessionMetrics.result(outcome(Status.DELIVERED, Status.DELIVERED)));
        assertEquals("deferred", SessionMetrics.result(outcome(Status.DELIVERED, Status.DEFERRED)));
        assertEquals("deferred", SessionMetrics.result(outcome(Status.BOUNCED, Status.DEFERRED)));
        assertEquals("partial", SessionMetrics.result(outcome(Status.DELIVERED, Status.BOUNCED)));
        assertEquals("failed", SessionMetrics.result(outcome(Status.BOUNCED)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SessionMetrics m = new SessionMetrics(registry);
        for (String r : SessionMetrics.RESULTS) {
            assertEquals(0, count(registry, "warmwire.deliveries", "result", r), r + " exists from the start");
        }
        m.finished(outcome(Status.DELIVERED));
        m.finished(outcome(Status.DEFERRED));
        m.finished(outcome(Status.DELIVERED));
        assertEquals(2, count(registry, "warmwire.deliveries", "result", "delivered"));
        assertEquals(1, count(registry, "warmwire.deliveries", "result", "deferred"));
    }

    @Test
    void prometheusNamesAreTheOnesOperatorsGrep() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SessionMetrics m = new SessionMetrics(registry);
        m.watchDeadSites(DeadSites.off());
        m.watchPublishFailures(new long[] {3}, a -> a[0]);
        m.opened();
        m.handshake(true);
        String text = registry.scrape().replace(",}", "}"); // the simpleclient format ends labels with a comma
        for (String line : List.of("warmwire_connections_open ", "warmwire_connections_opened_total 1.0",
                "warmwire_connection_reuses_total 0.0", "warmwire_tls_handshakes_total{resumed=\"true\"} 1.0",
                "warmwire_tls_handshakes_total{resumed=\"false\"} 0.0", "warmwire_deliveries_total{result=\"delivered\"} 0.0",
                "warmwire_dead_sites 0.0", "warmwire_dead_site_publish_failures_total 3.0")) {
            assertTrue(text.contains(line), line + " in\n" + text);
        }
    }
}
