package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.net.NetClient;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SessionTickets;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.smtp.TlsDetails;
import warmwire.testing.FakeRemoteCache;
import warmwire.session.testing.Loopback;
import warmwire.session.testing.ScriptedSmtpServer;
import warmwire.session.testing.TestCerts;

/**
 * The ticket store: sealing, single-use takes, the reserve, and two separate clients (two
 * "instances", each its own NetClient and Conscrypt contexts) sharing one store: the second
 * resumes the first one's session over TLS 1.3 and TLS 1.2 against a loopback STARTTLS server.
 * The Infinispan cache is an in-memory stand-in with Hot Rod's versioned operations.
 */
class TicketStoreTest {
    @RegisterExtension
    static final Loopback net = new Loopback();
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private final SmtpSettings settings = new SmtpSettings("client.test", SmtpTimeouts.all(Duration.ofSeconds(5)));
    private final PeerVerifier trusting = TrustFileVerifier.fromTrustFile(TestCerts.localhost().pem);
    private final FakeRemoteCache cache = new FakeRemoteCache();
    private final AtomicLong gains = new AtomicLong(1);

    private TicketStore store(int reserve) {
        return new TicketStore(cache::remote, new TicketCipher(KEY), "client.test", reserve, 16, Duration.ofHours(1),
                Duration.ofSeconds(2), gains::get, new SimpleMeterRegistry());
    }

    private static List<ConscryptTls.Taken> sessions(String... names) {
        return java.util.Arrays.stream(names).map(n -> new ConscryptTls.Taken(n.getBytes(StandardCharsets.UTF_8), "TLSv1.3"))
                .toList();
    }

    @Test
    void sealedSessionsOpenOnlyWithTheirKeyAndStoreKey() {
        TicketCipher c = new TicketCipher(KEY);
        String sealed = c.seal("session".getBytes(StandardCharsets.UTF_8), "a:25|mx|helo");
        assertArrayEquals("session".getBytes(StandardCharsets.UTF_8), c.open(sealed, "a:25|mx|helo"));
        assertNull(c.open(sealed, "b:25|mx|helo"), "moved to another key: does not open");
        byte[] raw = Base64.getDecoder().decode(sealed);
        raw[raw.length - 1] ^= 1;
        assertNull(c.open(Base64.getEncoder().encodeToString(raw), "a:25|mx|helo"), "tampered");
        byte[] other = new byte[32];
        other[0] = 1;
        assertNull(new TicketCipher(Base64.getEncoder().encodeToString(other)).open(sealed, "a:25|mx|helo"), "other key");
        assertNull(c.open("not base64 !", "a:25|mx|helo"));
        assertFalse(sealed.contains("session"));
        assertThrows(IllegalArgumentException.class, () -> new TicketCipher(null), "no key: refused");
        assertThrows(IllegalArgumentException.class, () -> new TicketCipher(Base64.getEncoder().encodeToString(new byte[16])));
    }

    @Test
    void aTicketIsTakenOnce() {
        TicketStore a = store(0);
        TicketStore b = store(0);
        String key = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(key, sessions("t1"));
        assertArrayEquals("t1".getBytes(StandardCharsets.UTF_8), b.take(key));
        assertNull(a.take(key), "taken by the other instance: gone");
        a.put(a.key("127.0.0.1", 25, "mx.test", TlsLevel.MAY), sessions("weaker"));
        assertNull(b.take(a.key("127.0.0.1", 25, "mx.test", TlsLevel.VERIFY)), "a may session never serves verify");
        assertNull(b.take(key));
    }

    @Test
    void theOwnerLeavesTheReserveAndANewOwnerTakesIt() {
        TicketStore owner = store(2);
        String key = owner.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        owner.put(key, sessions("t1", "t2", "t3"));
        // the owner's first handshakes after it got the shard may dip into the reserve: spend that
        gains.set(1);
        assertNotNull(owner.take(key)); // 3 > 2: above the floor
        assertNotNull(owner.take(key)); // below the floor: budget 2 -> 1
        assertNotNull(owner.take(key)); // budget 1 -> 0
        owner.put(key, sessions("t4", "t5", "t6"));
        assertNotNull(owner.take(key), "3 stored, reserve 2: one may go");
        assertNull(owner.take(key), "2 left = the reserve: the owner does a full handshake instead");
        gains.incrementAndGet(); // this instance gained partitions (a shard moved here)
        assertArrayEquals("t5".getBytes(StandardCharsets.UTF_8), owner.take(key), "a new owner takes the reserve, newest first");
        assertArrayEquals("t4".getBytes(StandardCharsets.UTF_8), owner.take(key));
        assertNull(owner.take(key), "empty");
    }

    @Test
    void anOwnerThatFoundNothingToInheritLeavesTheReserveFromItsOwnHandshakes() {
        TicketStore owner = store(2);
        String key = owner.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        gains.incrementAndGet(); // a gain (a cold start counts as one) with nothing stored yet
        assertNull(owner.take(key), "nothing stored: a full handshake");
        owner.put(key, sessions("t1")); // it issued one ticket
        assertNull(owner.take(key), "the only ticket is the next owner's: no budget for a key that had nothing");
        owner.put(key, sessions("t2", "t3"));
        assertNotNull(owner.take(key), "3 stored, reserve 2: one may go");
        assertNull(owner.take(key), "2 left = the reserve");
        gains.incrementAndGet(); // the shard moved: a new owner inherits the reserve
        assertNotNull(owner.take(key));
        assertNotNull(owner.take(key));
        assertNull(owner.take(key), "empty");
    }

    @Test
    void aSessionThatDoesNotOpenIsDroppedAndTheNextIsTried() {
        TicketStore a = store(0);
        String key = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(key, sessions("good"));
        String json = cache.store.get(key);
        cache.store.put(key, json.replace("]", ",{\"x\":99999999999,\"p\":\"TLSv1.3\",\"t\":\"AAAA\"}]"));
        assertArrayEquals("good".getBytes(StandardCharsets.UTF_8), a.take(key), "the garbage one (newest) dropped");
    }

    @Test
    void infinispanDownMeansAFullHandshakeNotAFailure() throws Exception {
        TicketStore down = new TicketStore(() -> {
            throw new org.infinispan.client.hotrod.exceptions.TransportException("down", null);
        }, new TicketCipher(KEY), "client.test", 0, 16, Duration.ofHours(1), Duration.ofSeconds(2), gains::get,
                new SimpleMeterRegistry());
        assertNull(down.take(down.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT)), "no session, no exception");
        down.put(down.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT), sessions("lost")); // logged, not thrown
    }

    @Test
    void aSlowStoreIsWaitedForAtMostTicketWait() throws Exception {
        @SuppressWarnings("unchecked")
        RemoteCache<String, String> stuck = (RemoteCache<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RemoteCache.class}, (p, m, a) -> {
                    Thread.sleep(5000);
                    return null;
                });
        TicketStore slow = new TicketStore(() -> stuck, new TicketCipher(KEY), "client.test", 0, 16, Duration.ofHours(1),
                Duration.ofMillis(300), gains::get, new SimpleMeterRegistry());
        long t0 = System.nanoTime();
        result(slow.prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT).ready());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "STARTTLS goes on after ticket-wait (300 ms), without a session: waited " + ms + " ms");
    }

    @Test
    void aPreparedSessionNoHandshakeUsedGoesBack() throws Exception {
        TicketStore a = store(0);
        String key = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(key, sessions("t1"));
        SessionTickets.Prepared p = a.prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        result(p.ready());
        assertNull(store(0).take(key), "taken out while prepared: no other instance gets it");
        p.done(); // connect failed, or STARTTLS was not offered
        await("given back").atMost(Duration.ofSeconds(5)).until(() -> cache.store.containsKey(key));
        assertArrayEquals("t1".getBytes(StandardCharsets.UTF_8), store(0).take(key), "back in the store, once");
        p.done();
        Thread.sleep(200);
        assertNull(store(0).take(key), "done twice gives back nothing twice");
    }

    @Test
    void aSessionOfOneEgressSourceNeverServesAnotherOrTheSystemsAddress() throws Exception {
        TicketStore a = store(0);
        String plain = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(plain, sessions("system"));
        SessionTickets.Prepared p = a.forSource("ip1", "mta1.test").prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        result(p.ready());
        assertNull(a.sessionCache().getSessionData("mx.test", 25), "source ip1 found no session of its own");
        p.done();
        SessionTickets.Prepared q = a.prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT); // the system's handshake
        result(q.ready());
        assertNull(a.caches("ip1", "mta1.test").sessionCache().getSessionData("mx.test", 25),
                "a handshake from source ip1 at the same moment does not take the system's prepared session");
        assertArrayEquals("system".getBytes(StandardCharsets.UTF_8), a.sessionCache().getSessionData("mx.test", 25));
        q.done();
    }

    @Test
    void aPreparedSessionTheHandshakeTookIsNotGivenBack() throws Exception {
        TicketStore a = store(0);
        String key = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(key, sessions("t1"));
        SessionTickets.Prepared p = a.prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        result(p.ready());
        assertArrayEquals("t1".getBytes(StandardCharsets.UTF_8), a.sessionCache().getSessionData("mx.test", 25));
        p.done();
        Thread.sleep(200);
        assertNull(store(0).take(key), "used: single use, never back");
    }

    @Test
    void aTakeThatFinishesAfterTicketWaitGoesBack() throws Exception {
        FakeRemoteCache slowCache = new FakeRemoteCache();
        java.util.concurrent.atomic.AtomicBoolean slowNow = new java.util.concurrent.atomic.AtomicBoolean();
        RemoteCache<String, String> slow = slowed(slowCache.remote(), slowNow, "getWithMetadata"::equals);
        TicketStore a = new TicketStore(() -> slow, new TicketCipher(KEY), "client.test", 0, 16, Duration.ofHours(1),
                Duration.ofMillis(200), gains::get, new SimpleMeterRegistry());
        String key = a.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        a.put(key, sessions("late"));
        slowNow.set(true);
        result(a.prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT).ready()); // gives up after 200 ms
        assertNull(a.sessionCache().getSessionData("mx.test", 25), "the handshake went on without it");
        Thread.sleep(1500); // the take finishes, late
        slowNow.set(false);
        await("given back after the late take").atMost(Duration.ofSeconds(5)).until(() -> slowCache.store.containsKey(key));
        assertArrayEquals("late".getBytes(StandardCharsets.UTF_8), a.take(key));
    }

    /** {@code real}, with each call of a method {@code which} accepts 800 ms late while {@code slowNow} holds. */
    @SuppressWarnings("unchecked")
    private RemoteCache<String, String> slowed(RemoteCache<String, String> real, java.util.concurrent.atomic.AtomicBoolean slowNow,
                                               java.util.function.Predicate<String> which) {
        return (RemoteCache<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RemoteCache.class}, (px, m, args) -> {
                    if (slowNow.get() && which.test(m.getName())) {
                        Thread.sleep(800);
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A store of an instance that owns partition 0 (reserve 2). */
    private TicketStore owner(java.util.function.Supplier<RemoteCache<String, String>> remote, Duration wait,
                              SimpleMeterRegistry registry) {
        return new TicketStore(remote, new TicketCipher(KEY), "client.test", 2, 16, Duration.ofHours(1), wait,
                ownerOfPartition0(), registry);
    }

    /**
     * An earlier owner of partition 0: site-a's first connection (nothing stored yet), then the
     * server's sessions stored and the partition's hints written; returns the site's store key.
     */
    private String earlierOwnerStored(String... names) throws Exception {
        TicketStore old = owner(cache::remote, Duration.ofSeconds(2), new SimpleMeterRegistry());
        String key = old.key("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        SessionTickets.Prepared first = old.forSite("site-a").prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT);
        result(first.ready());
        first.done();
        old.put(key, sessions(names));
        old.flushHints();
        assertEquals("[\"" + key + "\"]", cache.store.get(old.hintKey(0)), "the partition's hints name the site's key");
        return key;
    }

    /** Shards of a test instance: every site in partition 0, owned; gains from the test. */
    private TicketStore.Shards ownerOfPartition0() {
        return new TicketStore.Shards() {
            @Override
            public long gains() {
                return gains.get();
            }

            @Override
            public int shardOf(String site) {
                return 0;
            }

            @Override
            public boolean owns(int partition) {
                return partition == 0;
            }
        };
    }

    @Test
    void aNewOwnerTakesItsSitesSessionsWhenItGainsTheirPartitionNotAtTheirFirstHandshake() throws Exception {
        String key = earlierOwnerStored("t1", "t2"); // only the reserve is left: the old owner takes none

        // the new owner: Infinispan becomes slow after the gain's takes (a restarted instance
        // opening every connection of its shards at once)
        java.util.concurrent.atomic.AtomicBoolean slowNow = new java.util.concurrent.atomic.AtomicBoolean();
        RemoteCache<String, String> slow = slowed(cache.remote(), slowNow, m -> true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TicketStore fresh = owner(() -> slow, Duration.ofMillis(200), registry);
        gains.incrementAndGet();
        fresh.warm(java.util.Set.of(0));
        await("one session taken at the gain").atMost(Duration.ofSeconds(5)).until(() -> "[{".equals(cache.store.get(key).substring(0, 2))
                && cache.store.get(key).split("\\{").length == 2);
        slowNow.set(true);
        long t0 = System.nanoTime();
        result(fresh.forSite("site-a").prepare("127.0.0.1", 25, "mx.test", TlsLevel.ENCRYPT).ready());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 200, "ready at once, without asking the slow store");
        assertArrayEquals("t2".getBytes(StandardCharsets.UTF_8), fresh.sessionCache().getSessionData("mx.test", 25),
                "the handshake gets the session taken at the gain, newest first");
        assertEquals(1.0, registry.get("warmwire.tls.tickets.warmed").counter().count());
        assertEquals(0.0, registry.get("warmwire.tls.tickets.taken").tag("result", "late").counter().count());
    }

    @Test
    void aSessionTakenAtAGainThatNoHandshakeAskedForGoesBack() throws Exception {
        String key = earlierOwnerStored("t1");
        TicketStore fresh = owner(cache::remote, Duration.ofSeconds(2), new SimpleMeterRegistry());
        fresh.warmHold = Duration.ofMillis(300);
        gains.incrementAndGet();
        fresh.warm(java.util.Set.of(0));
        await("taken at the gain").atMost(Duration.ofSeconds(5)).until(() -> !cache.store.containsKey(key));
        await("given back when no handshake asked for it").atMost(Duration.ofSeconds(5)).until(() -> cache.store.containsKey(key));
        assertArrayEquals("t1".getBytes(StandardCharsets.UTF_8), store(0).take(key), "back once, and single use still");
    }

    @Test
    void aPartitionThatPassesThroughAnInstanceLeavesItsSessionsInTheStore() throws Exception {
        String key = earlierOwnerStored("only");
        TicketStore passing = owner(cache::remote, Duration.ofSeconds(2), new SimpleMeterRegistry());
        gains.incrementAndGet();
        passing.warm(java.util.Set.of(0)); // a rebalance hands partition 0 here for a moment
        await("taken at the gain").atMost(Duration.ofSeconds(5)).until(() -> !cache.store.containsKey(key));
        passing.cool(java.util.Set.of(0), Duration.ofSeconds(5)); // and takes it away again
        assertTrue(cache.store.containsKey(key), "back before the revocation returned, so the next owner finds it");
        assertArrayEquals("only".getBytes(StandardCharsets.UTF_8), store(0).take(key));
    }

    @Test
    void aStoreThatCannotTellASitesPartitionKeepsNoHints() {
        TicketStore a = store(0);
        assertTrue(a.forSite("site-a") == a, "no shard knowledge: the store itself");
        a.flushHints();
        assertTrue(cache.store.isEmpty());
    }


    // ---------------------------------------------------------------- two clients, one store

    private static <T> T result(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private TlsDetails deliverOne(NetClient client, TicketStore store, ScriptedSmtpServer s) throws Exception {
        SmtpSession session = new SmtpSession(net.vertx(), client, settings, new Endpoint("localhost", "127.0.0.1", s.port(), 10),
                TlsLevel.VERIFY, trusting, store, TlsResumption.INSPECTOR);
        result(session.open());
        assertNull(result(session.send(new Envelope("a@example.org", List.of("b@example.com"), "x\r\n".getBytes()))).failure());
        result(session.quit());
        return session.tls();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void anotherInstanceResumesTheFirstOnesSession(String protocol) throws Exception {
        assumeTrue(ConscryptTls.available(), "Conscrypt does not load here");
        ScriptedSmtpServer s = net.server();
        s.tls = TestCerts.localhost().serverContext();
        s.tlsEnabledProtocols = new String[] {protocol};
        TicketStore first = store(0);
        TicketStore second = store(0);
        NetClient a = net.client(EndpointWalker.createClient(net.vertx(), settings, TlsEngine.CONSCRYPT, first));
        NetClient b = net.client(EndpointWalker.createClient(net.vertx(), settings, TlsEngine.CONSCRYPT, second));

        TlsDetails full = deliverOne(a, first, s);
        assertEquals(protocol, full.protocol());
        assertFalse(full.resumed(), "first instance: full handshake");
        // the session is stored on the store's own thread
        await("the first instance's session in the store").atMost(Duration.ofSeconds(5)).until(() -> !cache.store.isEmpty());

        TlsDetails resumed = deliverOne(b, second, s);
        assertTrue(resumed.resumed(), "the second instance (its own client and contexts) resumed from the store: " + resumed);
        assertTrue(resumed.verified(), "a resumed session still has the server's chain to verify");
    }
}
