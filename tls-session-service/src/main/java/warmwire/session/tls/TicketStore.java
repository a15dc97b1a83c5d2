package warmwire.session.tls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.conscrypt.SSLClientSessionCache;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.jboss.logging.Logger;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   TicketStore - the cluster's TLS session store: sessions made by one instance resume on any.
 * DESCRIPTION
 *   Infinispan cache {@value #CACHE}; one entry per key (endpoint address:port | TLS level | SNI
 *   name | HELO name: the connection cache's key, so a session of a weaker policy never serves a
 *   stricter one), holding a JSON list of up to {@code perKey} sessions, newest last, each
 *   {"x": expiry (epoch s), "p": protocol, "t": sealed bytes ({@link TicketCipher})}; the entry
 *   lives until its newest session expires. Every Hot Rod call runs on this store's own threads.
 *   Around STARTTLS ({@link SessionTickets}):
 *     prepare   takes one session of the key out of the entry (read with its version, write
 *               back without it with replaceWithVersion: two instances never get the same
 *               one, so a TLS 1.3 ticket is used once, RFC 8446 C.4) and queues it for the
 *               handshake; the engine's cache ({@link #sessionCache}) hands it to BoringSSL;
 *     collect   after the EHLO that follows the handshake, the sessions the server issued are
 *               taken out of the engine's in-process cache ({@link ConscryptTls#takeSessions})
 *               and added to the entry.
 *   The reserve: Postfix (OpenSSL) issues one TLS 1.3 ticket per full handshake and none after
 *   a resumption, so a key's tickets are used up as fast as they come. The owner of a site
 *   therefore takes a ticket only while more than {@code reserve} are stored (else it does a
 *   full handshake, which adds one), and the last {@code reserve} are left for a new owner: an
 *   instance that has gained partitions ({@code gains} changed) may take up to {@code reserve}
 *   tickets per key below that floor. So after a shard moves the new owner's first connections
 *   resume, while the steady state stays what one process gets alone (every second handshake
 *   resumed against such a server).
 *   Infinispan unreachable or slow (over {@code wait}): the handshake goes on without a ticket
 *   (a full one); the failure is logged and counted, never thrown.
 */
public final class TicketStore implements SessionTickets, ConscryptTls.Caches {
    private static final Logger LOG = Logger.getLogger(TicketStore.class);
    public static final String CACHE = "warmwire-tickets";

    private final ObjectMapper json = new ObjectMapper();
    private final warmwire.session.ops.LazyCache cache;
    private final TicketCipher cipher;
    private final String helo;
    private final int reserve;
    private final int perKey;
    private final Duration lifetime;
    private final Duration wait;
    private final LongSupplier gains;
    private final ExecutorService io = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "warmwire-ticket-store");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, ConcurrentLinkedQueue<byte[]>> ready = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> reserveLeft = new ConcurrentHashMap<>();
    private volatile long gainsSeen = -1;
    private final Counter stored;
    private final Counter hits;
    private final Counter misses;
    private final Counter rejected;
    private final Counter failures;

    public TicketStore(Supplier<RemoteCache<String, String>> open, TicketCipher cipher, String helo, int reserve, int perKey,
                       Duration lifetime, Duration wait, LongSupplier gains, MeterRegistry registry) {
        this.cache = new warmwire.session.ops.LazyCache(CACHE, open);
        this.cipher = cipher;
        this.helo = helo;
        this.reserve = reserve;
        this.perKey = perKey;
        this.lifetime = lifetime;
        this.wait = wait;
        this.gains = gains;
        this.stored = Counter.builder("warmwire.tls.tickets.stored").description("TLS sessions put in the ticket store")
                .register(registry);
        this.hits = Counter.builder("warmwire.tls.tickets.taken").tag("result", "hit")
                .description("handshakes that took a stored session").register(registry);
        this.misses = Counter.builder("warmwire.tls.tickets.taken").tag("result", "miss")
                .description("handshakes that found no usable stored session").register(registry);
        this.rejected = Counter.builder("warmwire.tls.tickets.rejected")
                .description("stored sessions that did not decrypt (other key, tampered): dropped").register(registry);
        this.failures = Counter.builder("warmwire.tls.tickets.failures")
                .description("ticket store calls that failed or timed out (Infinispan)").register(registry);
        // open the cache now, on the store's thread: the first handshakes after a start (a
        // restarted instance: the ones that need stored sessions most) must not wait for it
        io.execute(() -> {
            try {
                cache();
            } catch (RuntimeException e) {
                LOG.warnf("ticket store: cache %s not open yet (%s); tried again at the first handshake", CACHE, e.toString());
            }
        });
    }

    /** The store key: endpoint, TLS policy, SNI name, client identity (HELO name): the connection cache's key. */
    String key(String address, int port, String sni, TlsLevel level) {
        return address + ":" + port + "|" + (level == null ? "" : level.wireName()) + "|" + (sni == null ? "" : sni) + "|" + helo;
    }

    /**
     * The handshake's side of a prepared session: Vert.x gives the engine the SNI name as its
     * peer host, so Conscrypt asks by (SNI name, port); the endpoint address is part of the store
     * key only. Two endpoints of one name and port in handshakes at the same instant may swap
     * their prepared sessions; the server then refuses one and that handshake is a full one.
     */
    private static String readyKey(String host, int port) {
        return host + ":" + port;
    }

    @Override
    public Future<Void> prepare(String address, int port, String sni, TlsLevel level) {
        Context context = Vertx.currentContext();
        Promise<Void> done = Promise.promise();
        String key = key(address, port, sni, level);
        long queued = System.nanoTime();
        CompletableFuture.runAsync(() -> {
            long started = System.nanoTime();
            byte[] t = take(key);
            long took = (System.nanoTime() - started) / 1_000_000;
            if (took > 200 || started - queued > 200_000_000L) {
                LOG.debugf("ticket store: take of %s waited %d ms for a thread and took %d ms (%s)", key,
                        (started - queued) / 1_000_000, took, t == null ? "none" : "a session");
            }
            if (t != null) {
                ready.computeIfAbsent(readyKey(sni == null ? address : sni, port), k -> new ConcurrentLinkedQueue<>()).add(t);
            }
        }, io).orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            if (e != null) {
                failures.increment();
                LOG.debugf("ticket store: no stored session for %s in time (%s); full handshake", key, e.toString());
            }
            if (context != null) {
                context.runOnContext(x -> done.tryComplete());
            } else {
                done.tryComplete();
            }
        });
        return done.future();
    }

    @Override
    public void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level) {
        List<ConscryptTls.Taken> taken;
        try {
            taken = ConscryptTls.takeSessions(engine);
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ticket store: sessions not read from the TLS engine: %s", e.toString());
            return;
        }
        if (taken.isEmpty()) {
            return;
        }
        String key = key(address, port, sni, level);
        io.execute(() -> put(key, taken));
    }

    @Override
    public SSLClientSessionCache sessionCache() {
        return new SSLClientSessionCache() {
            @Override
            public byte[] getSessionData(String host, int port) {
                ConcurrentLinkedQueue<byte[]> q = ready.get(readyKey(host, port));
                return q == null ? null : q.poll();
            }

            @Override
            public void putSessionData(SSLSession session, byte[] data) {
                // collect() takes every new session, TLS 1.2 and 1.3 alike
            }
        };
    }

    /** May this instance take a ticket of {@code key} below the reserve (it gained the shard lately)? */
    private AtomicInteger reserveBudget(String key) {
        long g = gains.getAsLong();
        if (g != gainsSeen) {
            reserveLeft.clear();
            gainsSeen = g;
        }
        return reserveLeft.computeIfAbsent(key, k -> new AtomicInteger(reserve));
    }

    /** One session of {@code key}, decrypted, removed from the store; null when none may be taken. */
    byte[] take(String key) {
        AtomicInteger budget = reserveBudget(key);
        try {
            RemoteCache<String, String> c = cache();
            for (int attempt = 0; attempt < 20; attempt++) {
                MetadataValue<String> v = c.getWithMetadata(key);
                if (v == null) {
                    misses.increment();
                    return null;
                }
                List<JsonNode> list = live(v.getValue());
                boolean belowFloor = list.size() <= reserve;
                if (list.isEmpty() || (belowFloor && budget.get() <= 0)) {
                    misses.increment();
                    return null;
                }
                JsonNode t = list.remove(list.size() - 1);
                boolean ok = list.isEmpty() ? c.removeWithVersion(key, v.getVersion())
                        : c.replaceWithVersion(key, write(list), v.getVersion(), lifespan(list));
                if (!ok) {
                    continue; // another instance changed the entry: read again
                }
                if (belowFloor) {
                    budget.decrementAndGet();
                }
                byte[] plain = cipher.open(t.path("t").asText(), key);
                if (plain == null) {
                    rejected.increment();
                    continue;
                }
                hits.increment();
                return plain;
            }
            misses.increment();
            return null;
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ticket store: take of %s failed: %s", key, e.toString());
            return null;
        }
    }

    /** Adds the sessions to {@code key}'s entry (newest last, at most perKey kept). */
    void put(String key, List<ConscryptTls.Taken> sessions) {
        try {
            RemoteCache<String, String> c = cache();
            long expiry = Instant.now().plus(lifetime).getEpochSecond();
            List<ObjectNode> fresh = new ArrayList<>();
            for (ConscryptTls.Taken t : sessions) {
                ObjectNode o = json.createObjectNode();
                o.put("x", expiry);
                o.put("p", t.protocol());
                o.put("t", cipher.seal(t.bytes(), key));
                fresh.add(o);
            }
            for (int attempt = 0; attempt < 20; attempt++) {
                MetadataValue<String> v = c.getWithMetadata(key);
                List<JsonNode> list = v == null ? new ArrayList<>() : live(v.getValue());
                list.addAll(fresh);
                while (list.size() > perKey) {
                    list.remove(0);
                }
                boolean ok = v == null ? c.putIfAbsent(key, write(list), lifespan(list), TimeUnit.SECONDS) == null
                        : c.replaceWithVersion(key, write(list), v.getVersion(), lifespan(list));
                if (ok) {
                    stored.increment(sessions.size());
                    return;
                }
            }
            failures.increment();
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ticket store: %d session(s) of %s not stored: %s", sessions.size(), key, e.toString());
        }
    }

    private List<JsonNode> live(String value) {
        List<JsonNode> out = new ArrayList<>();
        long now = Instant.now().getEpochSecond();
        try {
            for (JsonNode n : json.readTree(value)) {
                if (n.path("x").asLong() > now) {
                    out.add(n);
                }
            }
        } catch (Exception e) {
            rejected.increment();
        }
        return out;
    }

    private String write(List<? extends JsonNode> list) {
        ArrayNode a = json.createArrayNode();
        list.forEach(a::add);
        return a.toString();
    }

    private static int lifespan(List<? extends JsonNode> list) {
        long max = list.stream().mapToLong(n -> n.path("x").asLong()).max().orElse(0);
        return (int) Math.max(1, max - Instant.now().getEpochSecond());
    }

    private RemoteCache<String, String> cache() {
        return cache.get();
    }
}
