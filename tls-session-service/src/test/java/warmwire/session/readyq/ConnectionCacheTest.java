package warmwire.session.readyq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.outcome.OutcomeBuilder;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * The connection cache against scripted servers on loopback: reuse with RSET (pipelined or
 * not), connections the server dropped, limits, 452 carry-over, TLS levels in the cache key,
 * slow start, and a tarpit site beside a fast one.
 */
class ConnectionCacheTest {
    @RegisterExtension
    static final Loopback net = new Loopback();

    private static final Duration TEN_S = Duration.ofSeconds(10);

    private static ConnectionLimits limits(int maxConnections, int maxDeliveriesPerConnection, Duration idle, int rcpts, int initial,
                                           Duration queueDelay) {
        return new ConnectionLimits(maxConnections, maxDeliveriesPerConnection, idle, Duration.ofSeconds(300), rcpts, initial, queueDelay, 1024);
    }

    private ConnectionCache cache(ConnectionLimits limits) {
        return cache(limits, () -> false);
    }

    private ConnectionCache cache(ConnectionLimits limits, java.util.function.BooleanSupplier saturated) {
        return cache(limits, saturated, DeadSites.off(), k -> null);
    }

    private ConnectionCache cache(ConnectionLimits limits, java.util.function.BooleanSupplier saturated, DeadSites dead,
                                  java.util.function.Function<String, String> suspended) {
        return cache(k -> limits, saturated, dead, suspended, Throttles.off());
    }

    /** A cache with limits per site key and the sites receivers asked to slow down. */
    private ConnectionCache cache(java.util.function.Function<String, ConnectionLimits> limits, Throttles throttles) {
        return cache(limits, () -> false, DeadSites.off(), k -> null, throttles);
    }

    private ConnectionCache cache(java.util.function.Function<String, ConnectionLimits> limits,
                                  java.util.function.BooleanSupplier saturated, DeadSites dead,
                                  java.util.function.Function<String, String> suspended, Throttles throttles) {
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
        NetClient client = net.client(EndpointWalker.createClient(net.vertx(), settings));
        EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings,
                TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem));
        return net.cache(new ConnectionCache(net.vertx(), walker, limits, saturated, dead, suspended, throttles));
    }

    /** A cache whose jobs may name provider "p" ({@code provider}), with each site's rules. */
    private ConnectionCache providerCache(warmwire.contracts.shape.Provider provider,
                                          java.util.function.BiFunction<String, warmwire.contracts.shape.Provider, SiteRules> rules) {
        return providerCache(provider, rules, Throttles.off());
    }

    private ConnectionCache providerCache(warmwire.contracts.shape.Provider provider,
                                          java.util.function.BiFunction<String, warmwire.contracts.shape.Provider, SiteRules> rules,
                                          Throttles throttles) {
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
        NetClient client = net.client(EndpointWalker.createClient(net.vertx(), settings));
        EndpointWalker walker = new EndpointWalker(net.vertx(), client, settings,
                TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem));
        return net.cache(new ConnectionCache(net.vertx(), walker, rules, n -> n.equals(provider.name()) ? provider : null,
                () -> false, DeadSites.off(), k -> null, throttles));
    }

    private static Future<DeliveryAttempt> startFor(ConnectionCache c, String provider, int port, String rcpt) {
        return c.deliver(site(port, TlsLevel.NONE), provider, List.of(local(port)), TlsLevel.NONE,
                new Envelope("sender@example.org", List.of(rcpt), "Subject: t\r\n\r\nhello\r\n".getBytes()));
    }

    private static Endpoint local(int port) {
        return new Endpoint("localhost", "127.0.0.1", port, 10);
    }

    private static String site(int port, TlsLevel level) {
        return new Site(List.of("localhost"), port, level).key();
    }

    private static Future<DeliveryAttempt> start(ConnectionCache c, String site, int port, TlsLevel level, String... rcpts) {
        return c.deliver(site, List.of(local(port)), level, new Envelope("sender@example.org", List.of(rcpts),
                "Subject: t\r\n\r\nhello\r\n".getBytes()));
    }

    private static DeliveryOutcome outcome(Future<DeliveryAttempt> f, int port, TlsLevel level, String... rcpts) throws Exception {
        DeliveryAttempt a = f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Instant now = Instant.now();
        DeliveryJob job = new DeliveryJob("m/1/s", "m", new Site(List.of("localhost"), port, level), List.of(local(port)),
                "sender@example.org", List.of(rcpts), "x".getBytes(), level, 1,
                now, now, 0);
        DeliveryOutcome o = OutcomeBuilder.build(job, a, now);
        assertEquals(rcpts.length, o.results().size());
        return o;
    }

    private static DeliveryOutcome deliver(ConnectionCache c, int port, TlsLevel level, String... rcpts) throws Exception {
        return outcome(start(c, site(port, level), port, level, rcpts), port, level, rcpts);
    }

    private static void assertAll(DeliveryOutcome o, Status status) {
        for (RecipientResult r : o.results()) {
            assertEquals(status, r.status(), r.toString());
        }
    }

    /**
     * {@code n} jobs for the site {@code key} started at once (recipients {@code <prefix><i>@example.com}),
     * then each outcome awaited; every one must be delivered. The outcomes, in start order.
     */
    private static List<DeliveryOutcome> deliverBurst(ConnectionCache c, String key, int port, int n, String prefix)
            throws Exception {
        List<Future<DeliveryAttempt>> started = IntStream.range(0, n)
                .mapToObj(i -> start(c, key, port, TlsLevel.NONE, prefix + i + "@example.com"))
                .collect(Collectors.toList());
        List<DeliveryOutcome> out = new ArrayList<>();
        for (Future<DeliveryAttempt> f : started) {
            DeliveryOutcome o = outcome(f, port, TlsLevel.NONE, "x@example.com");
            assertAll(o, Status.DELIVERED);
            out.add(o);
        }
        return out;
    }


    private static long count(ScriptedSmtpServer s, String prefix) {
        return s.commands.stream().filter(c -> c.toUpperCase().startsWith(prefix)).count();
    }

    @Test
    void twoJobsOneConnectionWithPipelinedRset() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(ConnectionLimits.defaults());
        DeliveryOutcome first = deliver(c, s.port(), TlsLevel.NONE, "a@example.com");
        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com", "c@example.com");
        assertAll(first, Status.DELIVERED);
        assertAll(second, Status.DELIVERED);
        assertEquals(1, s.connections, "one TCP connection for both jobs");
        assertEquals(1, first.connectionUse());
        assertEquals(2, second.connectionUse());
        assertEquals(1, count(s, "RSET"), s.commands.toString());
        assertTrue(s.pipelinedRset, "MAIL went in the same write as RSET");
        assertEquals(0, s.quits.get(), () -> "the connection stays open while cached: " + s.commands);
        assertEquals(1, c.connections());
        c.shutdown(Duration.ofSeconds(5)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await("QUIT at shutdown").atMost(Duration.ofMillis(5000)).until(() -> s.quits.get() == 1);
        assertEquals(0, c.connections());
    }

    @Test
    void lockstepRsetWithoutPipelining() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of("8BITMIME");
        ConnectionCache c = cache(ConnectionLimits.defaults());
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com");
        assertAll(second, Status.DELIVERED);
        assertEquals(2, second.connectionUse());
        assertEquals(1, s.connections);
        assertFalse(s.pipelinedRset, "RSET alone, MAIL after its reply");
        assertEquals(1, count(s, "RSET"));
    }

    @Test
    void serverClosedIdleConnectionNextJobOnFreshOneWithoutDeferral() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.closeAfterMessages = 1;
        s.closeWith = "421 4.4.2 test.local Error: timeout exceeded";
        ConnectionCache c = cache(ConnectionLimits.defaults());
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        String key = site(s.port(), TlsLevel.NONE);
        await("the idle close to be noticed").atMost(Duration.ofMillis(5000)).until(() -> c.snapshot(key).connections() == 0);
        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com");
        assertAll(second, Status.DELIVERED);
        assertEquals(1, second.connectionUse(), "a fresh connection");
        assertEquals(2, s.connections);
    }

    @Test
    void rset421GoesToAFreshConnection() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rsetReply = "421 4.3.2 Service shutting down";
        ConnectionCache c = cache(ConnectionLimits.defaults());
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com");
        assertAll(second, Status.DELIVERED);
        assertEquals(1, second.connectionUse());
        assertEquals(2, s.connections);
        assertEquals(2, s.bodies.size());
    }

    @Test
    void useLimitQuitsAndOpensANewConnection() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(limits(20, 2, Duration.ofSeconds(30), 50, 2, TEN_S));
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            uses.add(deliver(c, s.port(), TlsLevel.NONE, "r" + i + "@example.com").connectionUse());
            if (i == 1) {
                await("QUIT at the use limit").atMost(Duration.ofMillis(5000)).until(() -> s.quits.get() == 1);
            }
        }
        assertEquals(List.of(1, 2, 1), uses);
        assertEquals(2, s.connections);
    }

    @Test
    void idleTimeoutQuits() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(limits(20, 1000, Duration.ofMillis(300), 50, 2, TEN_S));
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        assertEquals(1, c.connections());
        await("QUIT after the idle timeout").atMost(Duration.ofMillis(3000)).until(() -> s.quits.get() == 1);
        await("the connection to leave the cache").atMost(Duration.ofMillis(3000)).until(() -> c.connections() == 0);
    }

    @Test
    void tooManyRecipientsCarriedToTheNextTransaction() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.maxRcptPerTransaction = 2;
        ConnectionCache c = cache(ConnectionLimits.defaults());
        DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com");
        assertAll(o, Status.DELIVERED);
        assertEquals(3, s.bodies.size(), "2 + 2 + 1 recipients");
        assertEquals(1, s.connections);
        assertEquals(1, o.connectionUse());
    }

    @Test
    void recipientsPerTransactionLimit() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 2, 2, TEN_S));
        DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "a@x.com", "b@x.com", "c@x.com");
        assertAll(o, Status.DELIVERED);
        assertEquals(2, s.bodies.size());
        assertEquals(3, count(s, "RCPT"), "no 452 needed: nobody sent twice");
    }

    @Test
    void weakerLevelConnectionNeverServesAStricterJob() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        ConnectionCache c = cache(ConnectionLimits.defaults());
        // the same site key on purpose: only the cache key keeps them apart
        String key = site(s.port(), TlsLevel.ENCRYPT);
        DeliveryOutcome clear = outcome(start(c, key, s.port(), TlsLevel.NONE, "a@example.com"), s.port(), TlsLevel.NONE, "a@example.com");
        assertAll(clear, Status.DELIVERED);
        assertNull(clear.tls());
        DeliveryOutcome strict = outcome(start(c, key, s.port(), TlsLevel.ENCRYPT, "b@example.com"), s.port(), TlsLevel.ENCRYPT, "b@example.com");
        assertAll(strict, Status.DELIVERED);
        assertNotNull(strict.tls(), "delivered over TLS");
        assertEquals(1, strict.connectionUse(), "a new connection");
        assertEquals(2, s.connections);
        // and the TLS one is reused by the next encrypt job
        DeliveryOutcome again = outcome(start(c, key, s.port(), TlsLevel.ENCRYPT, "c@example.com"), s.port(), TlsLevel.ENCRYPT, "c@example.com");
        assertEquals(2, again.connectionUse());
        assertNotNull(again.tls());
        assertEquals(2, s.connections);
    }

    @Test
    void slowStartWindowGrowsWithSuccessesAndHalvesOnFailure() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 2, TEN_S));
        String key = site(s.port(), TlsLevel.NONE);
        for (int i = 0; i < 9; i++) {
            deliver(c, s.port(), TlsLevel.NONE, "r" + i + "@example.com");
        }
        assertEquals(5, c.snapshot(key).window(), "2 -> 3 after 2, -> 4 after 3, -> 5 after 4 successes");
        assertEquals(1, c.snapshot(key).opened(), "sequential jobs need one connection");

        int dead;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = probe.getLocalPort();
        }
        ConnectionCache d = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 8, TEN_S));
        String deadKey = site(dead, TlsLevel.NONE);
        assertAll(deliver(d, dead, TlsLevel.NONE, "a@example.com"), Status.DEFERRED);
        assertEquals(4, d.snapshot(deadKey).window());
        assertAll(deliver(d, dead, TlsLevel.NONE, "a@example.com"), Status.DEFERRED);
        assertEquals(2, d.snapshot(deadKey).window());
    }

    @Test
    void noNewConnectionMerelyBecauseMailIsWaiting() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.replyDelayMillis = 5;
        // a long queue-delay: one connection keeps up with everything (initial window 1: a window
        // of more opens at once for a backlog, initialBacklogOpensTheInitialWindowAtOnce)
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 1, Duration.ofHours(1)));
        List<Integer> uses = deliverBurst(c, site(s.port(), TlsLevel.NONE), s.port(), 10, "r").stream()
                .map(DeliveryOutcome::connectionUse).collect(Collectors.toList());
        assertEquals(1, s.connections, "one connection served all ten");
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), uses.stream().sorted().toList());

        // with a 1 ms queue-delay and window 2, a burst gets a second connection, never more than the window
        ScriptedSmtpServer t = net.server();
        t.replyDelayMillis = 5;
        ConnectionCache d = cache(limits(2, 1000, Duration.ofSeconds(30), 50, 2, Duration.ofMillis(1)));
        deliverBurst(d, site(t.port(), TlsLevel.NONE), t.port(), 10, "r");
        assertEquals(2, t.connections);

        // the same burst on a CPU-saturated host: the site keeps the one connection it has
        ScriptedSmtpServer u = net.server();
        u.replyDelayMillis = 5;
        ConnectionCache e = cache(limits(5, 1000, Duration.ofSeconds(30), 50, 5, Duration.ofMillis(1)), () -> true);
        deliverBurst(e, site(u.port(), TlsLevel.NONE), u.port(), 10, "r");
        assertEquals(1, u.connections, "no growth while the host is saturated");
    }

    @Test
    void initialBacklogOpensTheInitialWindowAtOnce() throws Exception {
        // twenty jobs at once, window 2, a queue-delay no pace would reach: the backlog opens both
        ScriptedSmtpServer s = net.server();
        s.replyDelayMillis = 5;
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 2, Duration.ofHours(1)));
        deliverBurst(c, site(s.port(), TlsLevel.NONE), s.port(), 20, "r");
        assertEquals(2, s.connections, "the initial window, no more");

        // three jobs are no backlog: one connection takes them in turn
        ScriptedSmtpServer t = net.server();
        t.replyDelayMillis = 5;
        ConnectionCache d = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 2, Duration.ofHours(1)));
        deliverBurst(d, site(t.port(), TlsLevel.NONE), t.port(), 3, "r");
        assertEquals(1, t.connections);
    }

    @Test
    void warmSiteTakesASmallBacklogOnTheConnectionItHas() throws Exception {
        // one job makes the site warm (its pace is known); then five at once are a backlog by
        // count, but the warm connection takes them in turn: no handshake for five jobs
        ScriptedSmtpServer s = net.server();
        s.replyDelayMillis = 5;
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(1), 50, 2, Duration.ofHours(1)));
        String key = site(s.port(), TlsLevel.NONE);
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "first@example.com"), Status.DELIVERED);
        deliverBurst(c, key, s.port(), 5, "r");
        assertEquals(1, s.connections, "the warm connection served the small backlog");

        // the idle timeout ends that connection (the queue itself retires one idle timeout
        // later): the site is cold again, and a backlog gets the initial window at once
        await("the idle connection closes").atMost(Duration.ofMillis(5000)).until(() -> c.snapshot(key).connections() == 0);
        deliverBurst(c, key, s.port(), 20, "s");
        assertEquals(3, s.connections, "a cold site's backlog opened the initial window (2)");
    }

    @Test
    void noMoreConnectionsWhenTheLastOneMadeEveryJobSlower() throws Exception {
        // a server that answers 20 ms later per other connection open: a second connection halves
        // the waiting, a third only slows everybody down
        ScriptedSmtpServer s = net.server();
        s.replyDelayMillis = 5;
        s.replyDelayPerOtherConnectionMillis = 20;
        ConnectionCache c = cache(limits(10, 1000, Duration.ofSeconds(30), 50, 1, Duration.ofMillis(1)));
        deliverBurst(c, site(s.port(), TlsLevel.NONE), s.port(), 40, "r");
        assertTrue(s.connections >= 2, "the backlog got a second connection: " + s.connections);
        assertTrue(s.connections <= 3, "no growth while each connection made the jobs slower: " + s.connections);

        // the same backlog to a server that does not slow down grows on (up to the window)
        ScriptedSmtpServer t = net.server();
        t.replyDelayMillis = 5;
        ConnectionCache d = cache(limits(10, 1000, Duration.ofSeconds(30), 50, 1, Duration.ofMillis(1)));
        deliverBurst(d, site(t.port(), TlsLevel.NONE), t.port(), 40, "r");
        assertTrue(t.connections > 3, "a server that keeps its pace gets more connections: " + t.connections);
    }

    @Test
    void quietSiteRetiresAndComesBackOnItsNextJob() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionCache c = cache(limits(20, 1000, Duration.ofMillis(200), 50, 2, TEN_S));
        String key = site(s.port(), TlsLevel.NONE);
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        assertEquals(1, c.sites());
        // idle timeout QUITs the connection, one more idle timeout retires the queue
        await("the quiet site's queue retires").atMost(Duration.ofMillis(5000)).until(() -> c.sites() == 0);
        assertNull(c.snapshot(key));
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "b@example.com"), Status.DELIVERED);
        assertEquals(1, c.sites());
        assertEquals(2, s.connections);
    }

    @Test
    void deadSiteDefersEveryWaitingJobAtOnce() throws Exception {
        int dead;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = probe.getLocalPort();
        }
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 1, TEN_S));
        List<Future<DeliveryAttempt>> all = IntStream.range(0, 5)
                .mapToObj(i -> start(c, site(dead, TlsLevel.NONE), dead, TlsLevel.NONE, "r" + i + "@example.com"))
                .collect(Collectors.toList());
        for (Future<DeliveryAttempt> f : all) {
            DeliveryOutcome o = outcome(f, dead, TlsLevel.NONE, "x@example.com");
            assertAll(o, Status.DEFERRED);
            assertTrue(o.results().get(0).reason().contains("Connection refused"), o.results().get(0).reason());
        }
    }

    @Test
    void deadSiteIsNotTriedUntilItsBackoffHasPassedThenProbed() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.greeting = "421 4.3.2 try later";
        List<DeadSites.Verdict> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        DeadSites dead = new DeadSites(Duration.ofMillis(700), Duration.ofSeconds(5), java.time.Clock.systemUTC(), heard::add);
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 2, TEN_S), () -> false, dead, k -> null);
        String key = site(s.port(), TlsLevel.NONE);

        DeliveryOutcome first = deliver(c, s.port(), TlsLevel.NONE, "a@example.com");
        assertAll(first, Status.DEFERRED);
        assertEquals(1, s.connections);
        assertNotNull(dead.check(key), "the failed cohort makes the site dead");
        assertEquals(1, heard.size());

        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com");
        assertAll(second, Status.DEFERRED);
        assertEquals(1, s.connections, "a dead site is not tried");
        assertTrue(second.results().get(0).reason().contains("is dead until"), second.results().get(0).reason());
        assertEquals("4.3.2", second.results().get(0).dsn(), "the last error's code");

        Thread.sleep(800); // the backoff has passed: the next job probes, and the server is back
        s.greeting = "220 test.local ESMTP back";
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "c@example.com"), Status.DELIVERED);
        assertEquals(2, s.connections);
        assertNull(dead.check(key), "a connection that opens clears the verdict");
    }

    @Test
    void suspendedSiteIsDeferredWithoutConnecting() throws Exception {
        ScriptedSmtpServer s = net.server();
        java.util.Map<String, String> suspended = new java.util.concurrent.ConcurrentHashMap<>();
        String key = site(s.port(), TlsLevel.NONE);
        suspended.put(key, "maintenance");
        ConnectionCache c = cache(limits(20, 1000, Duration.ofSeconds(30), 50, 2, TEN_S), () -> false, DeadSites.off(),
                suspended::get);
        DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().contains("suspended by the operator: maintenance"), o.results().get(0).reason());
        assertEquals(0, s.connections);
        suspended.clear();
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "b@example.com"), Status.DELIVERED);
        assertEquals(1, s.connections);
    }

    @Test
    void tarpitSiteDoesNotDelayAnotherSite() throws Exception {
        ScriptedSmtpServer tarpit = net.server();
        tarpit.replyDelayMillis = 4000; // every reply, the greeting included
        ScriptedSmtpServer fast = net.server();
        ConnectionCache c = cache(ConnectionLimits.defaults());
        List<Future<DeliveryAttempt>> slow = IntStream.range(0, 4)
                .mapToObj(i -> start(c, site(tarpit.port(), TlsLevel.NONE), tarpit.port(), TlsLevel.NONE, "t" + i + "@slow.example"))
                .collect(Collectors.toList());
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertAll(deliver(c, fast.port(), TlsLevel.NONE, "f" + i + "@fast.example"), Status.DELIVERED);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 3500, "five jobs of the fast site took " + ms + " ms while the tarpit held its jobs");
        assertFalse(slow.get(0).isComplete(), () -> "the tarpit job is still in its greeting: " + slow.get(0).result());
        assertEquals(1, fast.connections);
        tarpit.close(); // end the tarpit's sessions: its jobs end deferred, nothing hangs
        for (Future<DeliveryAttempt> f : slow) {
            assertAll(outcome(f, tarpit.port(), TlsLevel.NONE, "x@slow.example"), Status.DEFERRED);
        }
    }

    // ---------------------------------------------------------------- a session the server ended (issue 11)

    @Test
    void aThrottlingReplyHalvesTheSiteLimitsForTheHoldThenTheyComeBack() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.rcptReply = r -> r.startsWith("slow") ? "450 4.7.28 Our system has detected an unusual rate of unsolicited mail"
                : "250 2.1.5 Ok";
        List<Throttles.Throttle> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        Throttles throttles = new Throttles(warmwire.contracts.classify.ReplyRules.defaults(), Duration.ofMillis(1500),
                java.time.Clock.systemUTC(), heard::add);
        ConnectionCache c = cache(k -> limits(20, 4, TEN_S, 50, 2, TEN_S), throttles);
        String key = site(s.port(), TlsLevel.NONE);
        for (int i = 0; i < 4; i++) { // 4 deliveries per connection
            assertAll(deliver(c, s.port(), TlsLevel.NONE, "a" + i + "@example.com"), Status.DELIVERED);
        }
        await("QUIT at the limit of 4").atMost(Duration.ofSeconds(5)).until(() -> s.quits.get() == 1);
        assertEquals(1, s.connections);

        DeliveryOutcome slowed = deliver(c, s.port(), TlsLevel.NONE, "slow@example.com");
        assertAll(slowed, Status.DEFERRED);
        String reason = slowed.results().get(0).reason();
        assertTrue(reason.contains("unusual rate") && reason.contains("deliveries per connection 4 -> 2"), reason);
        assertEquals(1, heard.size());
        assertEquals(key, heard.get(0).site());
        assertEquals(2, heard.get(0).deliveriesPerConnection());
        assertTrue(heard.get(0).cause().contains("4.7.28"), heard.toString());
        assertEquals(1, throttles.list().size());

        int before = s.connections;
        for (int i = 0; i < 4; i++) { // during the hold: 2 per connection
            assertAll(deliver(c, s.port(), TlsLevel.NONE, "b" + i + "@example.com"), Status.DELIVERED);
        }
        assertTrue(s.connections - before >= 2, "4 deliveries at 2 per connection need 2 connections: "
                + (s.connections - before));

        await("the throttle to end").atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 2);
        assertTrue(heard.get(1).ended());
        assertEquals(0, throttles.list().size());
        await("the last connection's QUIT").atMost(Duration.ofSeconds(5)).until(() -> c.connections() <= 1);
        int after = s.connections;
        for (int i = 0; i < 4; i++) { // the limit of 4 again
            assertAll(deliver(c, s.port(), TlsLevel.NONE, "c" + i + "@example.com"), Status.DELIVERED);
        }
        assertTrue(s.connections - after <= 1, "4 deliveries on at most one new connection: " + (s.connections - after));
    }

    @Test
    void aProvidersConnectionLimitHoldsAcrossItsSitesAndItsDeliveriesPerConnectionApplyToEach() throws Exception {
        ScriptedSmtpServer a = net.server();
        ScriptedSmtpServer b = net.server();
        a.replyDelayMillis = 5;
        b.replyDelayMillis = 5;
        var provider = new warmwire.contracts.shape.Provider("p", List.of("example.net"), 1, 3, 0, 1, 0, 1);
        ConnectionLimits site = limits(20, 1000, TEN_S, 50, 4, TEN_S);
        ConnectionCache c = providerCache(provider, (k, p) -> new SiteRules(new ConnectionLimits(site.maxConnections(),
                p.maxDeliveriesPerConnection(), site.idleTimeout(), site.maxConnectionAge(), 50, 4, TEN_S, 1024), false, false, false));
        java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(c.providerConnections("p"), Math::max);
                Thread.onSpinWait();
            }
        });
        sampler.start();
        List<Future<DeliveryAttempt>> jobs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            jobs.add(startFor(c, "p", a.port(), "a" + i + "@example.com"));
            jobs.add(startFor(c, "p", b.port(), "b" + i + "@example.com"));
        }
        for (int i = 0; i < jobs.size(); i++) {
            int port = i % 2 == 0 ? a.port() : b.port();
            assertAll(outcome(jobs.get(i), port, TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        }
        sampling.set(false);
        sampler.join();
        assertEquals(9, a.bodies.size());
        assertEquals(9, b.bodies.size());
        assertEquals(1, peak.get(), "one connection at a time across the provider's two sites");
        assertTrue(a.connections >= 3 && b.connections >= 3, "3 deliveries per connection at most: " + a.connections
                + " and " + b.connections + " connections for 9 messages each");
    }

    @Test
    void aSiteWaitingForItsProviderTakesAnIdleConnectionOfAnotherSiteAndASiteOfItsOwnLimitDoesNotWait() throws Exception {
        ScriptedSmtpServer a = net.server();
        ScriptedSmtpServer b = net.server();
        ScriptedSmtpServer own = net.server();
        var provider = new warmwire.contracts.shape.Provider("p", List.of("example.net"), 1, 0, 0, 1, 0, 1);
        ConnectionLimits site = limits(20, 1000, Duration.ofSeconds(30), 50, 2, TEN_S);
        String ownKey = site(own.port(), TlsLevel.NONE);
        ConnectionCache c = providerCache(provider, (k, p) -> new SiteRules(site, k.equals(ownKey), false, false));
        assertAll(outcome(startFor(c, "p", a.port(), "a@example.com"), a.port(), TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        assertEquals(1, c.providerConnections("p"), "site a keeps its connection idle (30 s)");
        assertAll(outcome(startFor(c, "p", own.port(), "o@example.com"), own.port(), TlsLevel.NONE, "x@example.com"),
                Status.DELIVERED); // its own max-connections: not counted in the provider's, not held by it
        assertEquals(1, c.providerConnections("p"));
        long t0 = System.nanoTime();
        assertAll(outcome(startFor(c, "p", b.port(), "b@example.com"), b.port(), TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        long took = System.nanoTime() - t0;
        assertTrue(took < 5_000_000_000L, "b did not wait for a's idle timeout: " + took / 1e6 + " ms");
        assertEquals(1, a.quits.get(), "a's idle connection was closed with QUIT for b");
        assertEquals(1, c.providerConnections("p"));
    }

    /** The most connections {@code c} counts against provider p while {@code jobs} run. */
    private static int peakDuring(ConnectionCache c, List<Future<DeliveryAttempt>> jobs) throws Exception {
        int peak = 0;
        while (jobs.stream().anyMatch(f -> !f.isComplete())) {
            peak = Math.max(peak, c.providerConnections("p"));
            Thread.sleep(1);
        }
        return peak;
    }

    @Test
    void aThrottlingReplyAtOneSiteHalvesItsProvidersConnectionsForTheHoldThenTheyComeBack() throws Exception {
        ScriptedSmtpServer a = net.server();
        ScriptedSmtpServer b = net.server();
        a.rcptReply = r -> r.startsWith("slow") ? "450 4.7.28 Our system has detected an unusual rate of unsolicited mail"
                : "250 2.1.5 Ok";
        Throttles throttles = new Throttles(warmwire.contracts.classify.ReplyRules.defaults(), Duration.ofMillis(4000),
                java.time.Clock.systemUTC(), t -> { });
        var provider = new warmwire.contracts.shape.Provider("p", List.of("example.net"), 2, 0, 0, 1, 0, 1);
        ConnectionCache c = providerCache(provider, (k, p) -> new SiteRules(limits(20, 1000, TEN_S, 50, 4, TEN_S),
                false, false, false), throttles);
        DeliveryOutcome slowed = outcome(startFor(c, "p", a.port(), "slow@example.com"), a.port(), TlsLevel.NONE, "x@example.com");
        assertAll(slowed, Status.DEFERRED);
        String reason = slowed.results().get(0).reason();
        assertTrue(reason.contains("provider p throttled: max-connections 2 -> 1"), reason);

        List<Future<DeliveryAttempt>> during = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // the scripted server takes about 250 ms a job (it waits to see pipelining)
            during.add(startFor(c, "p", a.port(), "a" + i + "@example.com"));
            during.add(startFor(c, "p", b.port(), "b" + i + "@example.com"));
        }
        long t0 = System.nanoTime();
        assertEquals(1, peakDuring(c, during), "one connection across the provider's sites during the hold");
        assertTrue(System.nanoTime() - t0 < 3_500_000_000L, "the burst ran within the hold");
        for (Future<DeliveryAttempt> f : during) {
            assertEquals(null, f.result().lastFailure());
        }
        Thread.sleep(Math.max(0, 4300 - (System.nanoTime() - t0) / 1_000_000)); // the hold passes
        List<Future<DeliveryAttempt>> after = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            after.add(startFor(c, "p", a.port(), "c" + i + "@example.com"));
            after.add(startFor(c, "p", b.port(), "d" + i + "@example.com"));
        }
        assertEquals(2, peakDuring(c, after), "two again after the hold");
    }

    @Test
    void aConnectionThatWouldGoIdleWhileAnotherSiteOfTheProviderWaitsIsClosedForIt() throws Exception {
        ScriptedSmtpServer a = net.server();
        ScriptedSmtpServer b = net.server();
        a.replyDelayMillis = 100; // a's job holds the provider's one connection for a while
        var provider = new warmwire.contracts.shape.Provider("p", List.of("example.net"), 1, 0, 0, 1, 0, 1);
        ConnectionLimits site = limits(20, 1000, Duration.ofSeconds(30), 50, 2, TEN_S);
        ConnectionCache c = providerCache(provider, (k, p) -> new SiteRules(site, false, false, false));
        Future<DeliveryAttempt> first = startFor(c, "p", a.port(), "a@example.com");
        Thread.sleep(300); // a's connection is open and busy: nothing idle for b to take
        long t0 = System.nanoTime();
        Future<DeliveryAttempt> second = startFor(c, "p", b.port(), "b@example.com");
        assertAll(outcome(first, a.port(), TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        assertAll(outcome(second, b.port(), TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        long took = System.nanoTime() - t0;
        assertTrue(took < 10_000_000_000L, "b did not wait for a's idle timeout (30 s): " + took / 1e6 + " ms");
        assertEquals(1, a.quits.get(), "a's connection was closed (QUIT) instead of going idle");
        assertEquals(1, c.providerConnections("p"), "b's connection now, and no count left behind");
    }

    @Test
    void jobsFromTwoSourcesGoFromTheirAddressesWithTheirHeloOnConnectionsAndLimitsOfTheirOwn() throws Exception {
        ScriptedSmtpServer s = net.server();
        SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
        EndpointWalker walker = new EndpointWalker(net.vertx(), net.client(EndpointWalker.createClient(net.vertx(), settings)),
                settings, TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem));
        warmwire.session.conn.Source a = new warmwire.session.conn.Source("a", "127.0.0.2", "a.client.test");
        warmwire.session.conn.Source b = new warmwire.session.conn.Source("b", "127.0.0.3", null);
        java.util.Map<String, EndpointWalker> walkers = new java.util.HashMap<>();
        for (warmwire.session.conn.Source src : List.of(a, b)) {
            walkers.put(src.name(), walker.from(src, net.client(net.vertx().createNetClient(
                    EndpointWalker.clientOptions(settings, warmwire.session.tls.TlsEngine.JDK).setLocalAddress(src.address())))));
        }
        ConnectionLimits oneEach = limits(1, 1000, TEN_S, 50, 1, TEN_S); // one connection per site and source
        ConnectionCache c = net.cache(new ConnectionCache(net.vertx(), walker, src -> walkers.get(src.name()),
                (k, p) -> SiteRules.of(oneEach), n -> null, () -> false, DeadSites.off(), k -> null, Throttles.off()));
        String key = site(s.port(), TlsLevel.NONE);
        List<Future<DeliveryAttempt>> jobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            warmwire.session.conn.Source src = i % 4 == 3 ? b : a;
            jobs.add(c.deliver(key, null, src, List.of(local(s.port())), TlsLevel.NONE, new Envelope("sender@example.org",
                    List.of("r" + i + "@example.com"), "Subject: t\r\n\r\nhello\r\n".getBytes())));
        }
        for (Future<DeliveryAttempt> f : jobs) {
            assertAll(outcome(f, s.port(), TlsLevel.NONE, "x@example.com"), Status.DELIVERED);
        }
        assertEquals(List.of("127.0.0.2", "127.0.0.3"), s.peers.stream().sorted().toList(),
                "one connection from each source, though the site allows one: limits count per source and site");
        assertEquals(1, s.commands.stream().filter(x -> x.equals("EHLO a.client.test")).count(), s.commands.toString());
        assertEquals(1, s.commands.stream().filter(x -> x.equals("EHLO client.test")).count(), "b has no HELO name of its own");
        assertEquals(8, s.bodies.size());
    }

    @Test
    void anIpv6SourceSendsFromItsAddress() throws Exception {
        try (ScriptedSmtpServer s = new ScriptedSmtpServer(java.net.InetAddress.getByName("::1"))) {
            SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
            EndpointWalker walker = new EndpointWalker(net.vertx(), net.client(EndpointWalker.createClient(net.vertx(), settings)),
                    settings, TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem));
            warmwire.session.conn.Source v6 = new warmwire.session.conn.Source("v6", "::1", "v6.client.test");
            EndpointWalker from = walker.from(v6, net.client(net.vertx().createNetClient(
                    EndpointWalker.clientOptions(settings, warmwire.session.tls.TlsEngine.JDK).setLocalAddress("::1"))));
            ConnectionCache c = net.cache(new ConnectionCache(net.vertx(), walker, src -> from,
                    (k, p) -> SiteRules.of(limits(2, 1000, TEN_S, 50, 1, TEN_S)), n -> null, () -> false, DeadSites.off(),
                    k -> null, Throttles.off()));
            Endpoint ep = new Endpoint("localhost", "::1", s.port(), 10);
            DeliveryAttempt a = c.deliver(new Site(List.of("localhost"), s.port(), TlsLevel.NONE).key(), null, v6, List.of(ep),
                    TlsLevel.NONE, new Envelope("sender@example.org", List.of("r@example.com"),
                            "Subject: t\r\n\r\nhello\r\n".getBytes())).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(null, a.lastFailure(), String.valueOf(a.lastFailure()));
            assertEquals(List.of("0:0:0:0:0:0:0:1"), s.peers);
            assertTrue(s.commands.contains("EHLO v6.client.test"), s.commands.toString());
        }
    }

    @Test
    void aSitesMessageRateHoldsItsJobsAndNoOtherSite() throws Exception {
        ScriptedSmtpServer limited = net.server();
        ScriptedSmtpServer free = net.server();
        ConnectionLimits rate = new ConnectionLimits(20, 1000, TEN_S, Duration.ofSeconds(300), 50, 2, TEN_S, 1024,
                10, 1, 0, 1); // 10 messages a second, no burst
        ConnectionLimits none = limits(20, 1000, TEN_S, 50, 2, TEN_S);
        String limitedKey = site(limited.port(), TlsLevel.NONE);
        ConnectionCache c = cache(k -> k.equals(limitedKey) ? rate : none, Throttles.off());
        long t0 = System.nanoTime();
        List<Future<DeliveryAttempt>> slow = IntStream.range(0, 21)
                .mapToObj(i -> start(c, limitedKey, limited.port(), TlsLevel.NONE, "r" + i + "@example.com")).toList();
        List<DeliveryOutcome> fast = deliverBurst(c, site(free.port(), TlsLevel.NONE), free.port(), 10, "f");
        long freeDone = System.nanoTime() - t0;
        for (int i = 0; i < slow.size(); i++) {
            assertAll(outcome(slow.get(i), limited.port(), TlsLevel.NONE, "r" + i + "@example.com"), Status.DELIVERED);
        }
        long limitedDone = System.nanoTime() - t0;
        assertEquals(10, fast.size());
        assertTrue(limitedDone >= 1_900_000_000L, "21 messages at 10 a second take 2 s: " + limitedDone / 1e6 + " ms");
        assertTrue(limitedDone <= 4_000_000_000L, "and not much more: " + limitedDone / 1e6 + " ms");
        assertTrue(freeDone < 1_500_000_000L, "the other site is not held: " + freeDone / 1e6 + " ms");
        assertEquals(21, limited.bodies.size());
    }

    @Test
    void aSitesConnectionRateSpacesItsNewConnections() throws Exception {
        ScriptedSmtpServer s = net.server();
        ConnectionLimits rate = new ConnectionLimits(20, 1, TEN_S, Duration.ofSeconds(300), 50, 2, TEN_S, 1024,
                0, 1, 120, 1); // one delivery per connection, 120 new connections a minute: one per 500 ms
        ConnectionCache c = cache(rate);
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertAll(deliver(c, s.port(), TlsLevel.NONE, "r" + i + "@example.com"), Status.DELIVERED);
        }
        long took = System.nanoTime() - t0;
        assertEquals(4, s.connections);
        assertTrue(took >= 1_400_000_000L, "4 connections at 2 a second take 1.5 s: " + took / 1e6 + " ms");
    }

    @Test
    void aGreetingThatAsksToSlowDownPausesNewConnectionsInsteadOfOpeningOnePerJob() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.greeting = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume";
        List<Throttles.Throttle> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        Throttles throttles = new Throttles(warmwire.contracts.classify.ReplyRules.defaults(), Duration.ofSeconds(30),
                java.time.Clock.systemUTC(), heard::add);
        ConnectionCache c = cache(k -> limits(20, 100, TEN_S, 50, 2, TEN_S), throttles);
        String key = site(s.port(), TlsLevel.NONE);
        List<Future<DeliveryAttempt>> jobs = IntStream.range(0, 20)
                .mapToObj(i -> start(c, key, s.port(), TlsLevel.NONE, "r" + i + "@example.com")).toList();
        for (int i = 0; i < jobs.size(); i++) {
            DeliveryOutcome o = outcome(jobs.get(i), s.port(), TlsLevel.NONE, "r" + i + "@example.com");
            assertAll(o, Status.DEFERRED);
            assertTrue(o.results().get(0).reason().contains("TSS04"), o.results().get(0).reason());
        }
        assertTrue(s.connections <= 2, "the initial window's connections, not one per job: " + s.connections);
        assertEquals(1, heard.size(), "one throttle, not one per connection: " + heard);
        int before = s.connections;
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "later@example.com"), Status.DEFERRED);
        assertEquals(before, s.connections, "during the pause a job is deferred without connecting");
    }

    @Test
    void aRefusalThatIsNotAboutThePaceThrottlesNothing() {
        Throttles t = new Throttles(warmwire.contracts.classify.ReplyRules.defaults(), Duration.ofMinutes(1),
                java.time.Clock.systemUTC(), x -> { });
        assertTrue(t.asksToSlowDown(new warmwire.session.smtp.Reply(421, "4.7.0", List.of("[TSS04] Messages from"
                + " 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"))));
        assertTrue(!t.asksToSlowDown(new warmwire.session.smtp.Reply(550, "5.7.28", List.of("unusual rate"))),
                "a 5xx refuses the mail, not the pace");
        assertTrue(!t.asksToSlowDown(new warmwire.session.smtp.Reply(450, "4.2.0", List.of("mailbox busy"))));
        assertTrue(!Throttles.off().asksToSlowDown(new warmwire.session.smtp.Reply(450, "4.7.28", List.of("rate"))));
    }

    @Test
    void aServerThatRefusesMoreMessagesPerSessionTeachesTheLimitAndLosesNoMail() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.extensions = List.of("8BITMIME", "ENHANCEDSTATUSCODES"); // OpenSMTPD offers no PIPELINING
        s.mailReply = n -> n >= 3 ? "452 4.5.3 Too many recipients: Too many messages sent" : null; // its max-mails
        ConnectionCache c = cache(ConnectionLimits.defaults());
        for (int i = 0; i < 10; i++) {
            DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "r" + i + "@example.com");
            assertAll(o, Status.DELIVERED);
        }
        assertEquals(10, s.bodies.size());
        assertEquals(11, count(s, "MAIL"), "one refused MAIL: after it the site keeps to 3 per connection");
        assertEquals(4, s.connections, "3 + 3 + 3 + 1");
    }

    @Test
    void aFourTwentyOneMidTransactionResumesOnAFreshConnection() throws Exception {
        ScriptedSmtpServer s = net.server();
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        s.rcptReply = r -> r.startsWith("b@") && once.compareAndSet(false, true)
                ? "421 4.3.2 Service shutting down" : "250 2.1.5 Ok";
        ConnectionCache c = cache(ConnectionLimits.defaults());
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "first@example.com"), Status.DELIVERED);
        DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "a@example.com", "b@example.com");
        assertAll(o, Status.DELIVERED);
        assertEquals(2, s.connections, "the 421 ended the first connection");
        assertEquals(1, o.connectionUse(), "the job went on at once on a fresh connection");
        assertEquals(2, s.bodies.size(), "no body went on the ended session");
    }

    @Test
    void aFourTwentyOneOnTheFreshConnectionTooIsADeferral() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.mailReply = n -> "421 4.3.2 Service shutting down";
        ConnectionCache c = cache(ConnectionLimits.defaults());
        DeliveryOutcome o = deliver(c, s.port(), TlsLevel.NONE, "a@example.com");
        assertAll(o, Status.DEFERRED);
        assertTrue(o.results().get(0).reason().contains("421"), o.results().get(0).reason());
        assertEquals(2, s.connections, "tried once more on a fresh connection, not for ever");
    }

    @Test
    void aConnectionWithAnUnsolicitedReplyIsNeverReused() throws Exception {
        ScriptedSmtpServer s = net.server();
        s.afterDataDone = "250 2.0.0 stale reply nobody asked for";
        ConnectionCache c = cache(ConnectionLimits.defaults());
        assertAll(deliver(c, s.port(), TlsLevel.NONE, "a@example.com"), Status.DELIVERED);
        Thread.sleep(300); // the stale reply reaches the idle connection
        DeliveryOutcome second = deliver(c, s.port(), TlsLevel.NONE, "b@example.com");
        assertAll(second, Status.DELIVERED);
        assertEquals(1, second.connectionUse(), "a fresh connection, not the one with input left");
        assertEquals(2, s.connections);
    }
}
