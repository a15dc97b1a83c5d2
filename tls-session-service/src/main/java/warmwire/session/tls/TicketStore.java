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
import warmwire.session.smtp.SessionTickets;

/**
 * NAME
 *   TicketStore - the cluster's TLS session store: sessions made by one instance resume on any.
 * DESCRIPTION
 *   Infinispan cache {@value #CACHE}; one entry per key (endpoint address:port | TLS level | SNI
 *   name | HELO name: the connection cache's key, so a session of a weaker policy never serves a
 *   stricter one), holding a JSON list of up to {@code perKey} sessions, newest last, each
 *   {"x": expiry (epoch s), "p": protocol, "t": sealed bytes ({@link TicketCipher})}; the entry
 *   lives until its newest session expires. Every Hot Rod call runs on this store's own threads,
 *   {@value #IO_THREADS} of them: a take is two blocking calls, and a restarted instance opens
 *   the connections of all its sites at once on a busy CPU, when one take can need 0.2-0.5 s;
 *   with 4 threads the takes of a restart queued for up to 1.8 s and a third of them missed
 *   {@code wait} (bench/run.sh --mode restart, 2026-12-02).
 *   Around STARTTLS ({@link SessionTickets}):
 *     prepare   takes one session of the key out of the entry (read with its version, write
 *               back without it with replaceWithVersion: two instances never get the same
 *               one, so a TLS 1.3 ticket is used once, RFC 8446 C.4) and queues it for the
 *               handshake; the engine's cache ({@link #sessionCache}) hands it to BoringSSL;
 *     done      a prepared session no handshake took (connect failed, STARTTLS not offered,
 *               the handshake offered another one, or the take finished after {@code wait})
 *               goes back to the entry with its own expiry, so no ticket is stranded in
 *               this instance; queues hold at most {@code perKey} per name and port, and
 *               one left longer than {@link #STALE} goes back by itself;
 *     collect   after the EHLO that follows the handshake, the sessions the server issued are
 *               taken out of the engine's in-process cache ({@link ConscryptTls#takeSessions})
 *               and added to the entry.
 *   The reserve: Postfix (OpenSSL) issues one TLS 1.3 ticket per full handshake and none after
 *   a resumption, so a key's tickets are used up as fast as they come. The owner of a site
 *   therefore takes a ticket only while more than {@code reserve} are stored (else it does a
 *   full handshake, which adds one), and the last {@code reserve} are left for a new owner: an
 *   instance that has gained partitions ({@code gains} changed) may take up to {@code reserve}
 *   tickets per key below that floor, unless a take of the key since the gain found none (nothing
 *   was left to inherit, so the floor fills from this owner's own full handshakes: a cold start
 *   whose second connections spent the only tickets left keys empty for the next owner, 35 of
 *   40 resumed after a restart). So after a shard moves the new owner's first connections
 *   resume, while the steady state stays what one process gets alone (every second handshake
 *   resumed against such a server).
 *   Infinispan unreachable or slow (over {@code wait}): the handshake goes on without a ticket
 *   (a full one); the failure is logged and counted, never thrown.
 *   Every take is counted by its result, {@code warmwire.tls.tickets.taken{result=...}}:
 *   {@code hit}; {@code none} (no live session stored for the key); {@code reserve} (only the
 *   reserve left, kept for a new owner); {@code contended} (other instances changed the entry
 *   20 times); {@code late} (not done within {@code wait}: the handshake went on without it, and
 *   a session it still took goes back). Failed calls count in {@code warmwire.tls.tickets.failures}.
 */
public final class TicketStore implements SessionTickets, ConscryptTls.Caches {
    private static final Logger LOG = Logger.getLogger(TicketStore.class);
    public static final String CACHE = "warmwire-tickets";
    /** A prepared session not handed to a handshake by then goes back to the store. */
    static final Duration STALE = Duration.ofMinutes(15);

    /** A session taken out of the store: its bytes, protocol, expiry, and whether it came from the reserve. */
    record Took(byte[] plain, String protocol, long expiry, boolean belowFloor) {
    }

    /** A prepared session in a ready queue; {@code taken} once a handshake (or a give-back) has it. */
    private static final class Ready {
        final String key;
        final Took took;
        final long at = System.nanoTime();
        final java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();

        Ready(String key, Took took) {
            this.key = key;
            this.took = took;
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final warmwire.session.infinispan.LazyCache cache;
    private final TicketCipher cipher;
    private final String helo;
    /** The store as the connections from the system's address see it (client identity: the HELO name). */
    private final View system;
    private final int reserve;
    private final int perKey;
    private final Duration lifetime;
    private final Duration wait;
    private final Shards shards;
    static final int IO_THREADS = 32;
    /** Store keys remembered per partition (most recently used last); a gain warms at most {@link #WARM_LIMIT}. */
    static final int HINTS_PER_PARTITION = 4096;
    static final int WARM_LIMIT = 2048;
    /** A session taken at a gain and not asked for by then goes back to the store. */
    static final Duration WARM_HOLD = Duration.ofSeconds(60);
    /** How often the hints of a partition are written when they change (and again before their lifespan ends). */
    static final Duration HINT_FLUSH = Duration.ofSeconds(5);
    /** The store keys each site of a partition used here, by partition: the hints a new owner warms from. */
    private final Map<Integer, java.util.Set<String>> hints = new ConcurrentHashMap<>();
    private final Map<Integer, Long> hintsWritten = new ConcurrentHashMap<>();
    private final java.util.Set<Integer> hintsDirty = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean flushQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** A take started at a gain, for the first handshake of its key; its partition, for a give-back at revocation. */
    private record Warm(int partition, CompletableFuture<Took> take) {
    }

    /** Sessions taken at a gain (or being taken), by store key, for the first handshake that asks. */
    private final Map<String, Warm> warm = new ConcurrentHashMap<>();
    /** {@link #WARM_HOLD}; shorter in tests. */
    Duration warmHold = WARM_HOLD;
    /** Completes when the last gain's hints have been read (and its takes started). */
    private volatile CompletableFuture<Void> warming = CompletableFuture.completedFuture(null);
    private final ExecutorService io = Executors.newFixedThreadPool(IO_THREADS, r -> {
        Thread t = new Thread(r, "warmwire-ticket-store");
        t.setDaemon(true);
        return t;
    });
    /** Prepared sessions waiting for their handshake, by client identity and (SNI name, port): what the engine asks by. */
    private final Map<String, ConcurrentLinkedQueue<Ready>> ready = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> reserveLeft = new ConcurrentHashMap<>();
    private volatile long gainsSeen = -1;
    private final Counter stored;
    private final Counter hits;
    private final Counter noneStored;
    private final Counter reserveOnly;
    private final Counter contended;
    private final Counter late;
    private final Counter rejected;
    private final Counter failures;
    private final Counter returned;
    private final Counter warmed;

    /**
     * What the store needs to know of this instance's shards. {@code gains}: how many times it
     * gained partitions; {@code shardOf}: the partition of a site's jobs (-1: not known, no
     * hints then); {@code owns}: whether it owns a partition now (only an owner writes hints).
     */
    public interface Shards {
        long gains();

        int shardOf(String site);

        boolean owns(int partition);
    }

    /** A store without shard knowledge: {@code gains} only, no hints and no warm start. */
    public TicketStore(Supplier<RemoteCache<String, String>> open, TicketCipher cipher, String helo, int reserve, int perKey,
                       Duration lifetime, Duration wait, LongSupplier gains, MeterRegistry registry) {
        this(open, cipher, helo, reserve, perKey, lifetime, wait, new Shards() {
            @Override
            public long gains() {
                return gains.getAsLong();
            }

            @Override
            public int shardOf(String site) {
                return -1;
            }

            @Override
            public boolean owns(int partition) {
                return false;
            }
        }, registry);
    }

    public TicketStore(Supplier<RemoteCache<String, String>> open, TicketCipher cipher, String helo, int reserve, int perKey,
                       Duration lifetime, Duration wait, Shards shards, MeterRegistry registry) {
        this.cache = new warmwire.session.infinispan.LazyCache(CACHE, open);
        this.cipher = cipher;
        this.helo = helo;
        this.system = new View(helo, -1);
        this.reserve = reserve;
        this.perKey = perKey;
        this.lifetime = lifetime;
        this.wait = wait;
        this.shards = shards;
        this.stored = Counter.builder("warmwire.tls.tickets.stored").description("TLS sessions put in the ticket store")
                .register(registry);
        this.hits = Counter.builder("warmwire.tls.tickets.taken").tag("result", "hit")
                .description("handshakes that took a stored session").register(registry);
        this.noneStored = Counter.builder("warmwire.tls.tickets.taken").tag("result", "none")
                .description("takes that found no live stored session for the key").register(registry);
        this.reserveOnly = Counter.builder("warmwire.tls.tickets.taken").tag("result", "reserve")
                .description("takes that found only the reserve left for a new owner").register(registry);
        this.contended = Counter.builder("warmwire.tls.tickets.taken").tag("result", "contended")
                .description("takes given up after 20 changes of the entry by other instances").register(registry);
        this.late = Counter.builder("warmwire.tls.tickets.taken").tag("result", "late")
                .description("takes that did not end within ticket-wait: the handshake went on without them")
                .register(registry);
        this.rejected = Counter.builder("warmwire.tls.tickets.rejected")
                .description("stored sessions that did not decrypt (other key, tampered): dropped").register(registry);
        this.failures = Counter.builder("warmwire.tls.tickets.failures")
                .description("ticket store calls that failed or timed out (Infinispan)").register(registry);
        this.returned = Counter.builder("warmwire.tls.tickets.returned")
                .description("prepared sessions no handshake used, given back to the store").register(registry);
        this.warmed = Counter.builder("warmwire.tls.tickets.warmed")
                .description("takes started when partitions were gained, for their sites' first handshakes").register(registry);
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
        return key(address, port, sni, level, helo);
    }

    /** As above for the client identity {@code client}: the HELO name, and the egress source when one is named. */
    private static String key(String address, int port, String sni, TlsLevel level, String client) {
        return address + ":" + port + "|" + (level == null ? "" : level.wireName()) + "|" + (sni == null ? "" : sni) + "|" + client;
    }

    /** The entry holding the store keys used by the sites of {@code partition} (this HELO name's). */
    String hintKey(int partition) {
        return "hints|" + helo + "|" + partition;
    }

    /**
     * The handshake's side of a prepared session: Vert.x gives the engine the SNI name as its
     * peer host, so Conscrypt asks by (SNI name, port), through the session cache of the client
     * identity's own NetClient ({@link #caches}); the endpoint address is part of the store key
     * only. Two endpoints of one name and port in handshakes of one client at the same instant
     * may swap their prepared sessions; the server then refuses one and that handshake is a full one.
     */
    private static String readyKey(String client, String host, int port) {
        return client + "|" + host + ":" + port;
    }

    @Override
    public Prepared prepare(String address, int port, String sni, TlsLevel level) {
        return system.prepare(address, port, sni, level);
    }

    /** The store for {@code site}'s connections: each prepare also notes the key in the site's partition hints. */
    @Override
    public SessionTickets forSite(String site) {
        SessionTickets s = system.forSite(site);
        return s == system ? this : s;
    }

    /** The store for the connections from egress source {@code source}: {@code helo|source} is their client identity. */
    @Override
    public SessionTickets forSource(String source, String helo) {
        return system.forSource(source, helo);
    }

    /** The store as one client identity sees it, noting its keys in a partition's hints (-1: none). */
    private final class View implements SessionTickets, ConscryptTls.Caches {
        private final String client;
        private final int partition;

        View(String client, int partition) {
            this.client = client;
            this.partition = partition;
        }

        @Override
        public Prepared prepare(String address, int port, String sni, TlsLevel level) {
            String key = key(address, port, sni, level, client);
            if (partition >= 0) {
                hint(partition, key);
            }
            return new Preparation(key, readyKey(client, sni == null ? address : sni, port));
        }

        /** The handshakes of this client identity's NetClient take only the sessions prepared for it. */
        @Override
        public SSLClientSessionCache sessionCache() {
            return TicketStore.this.sessionCache(client);
        }

        @Override
        public void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level) {
            TicketStore.this.collect(engine, key(address, port, sni, level, client));
        }

        @Override
        public SessionTickets forSite(String site) {
            int p = shards.shardOf(site);
            return p < 0 ? this : new View(client, p);
        }

        @Override
        public SessionTickets forSource(String source, String helo) {
            return new View(helo + "|source=" + source, partition);
        }
    }

    // ---------------------------------------------------------------- hints and the warm start

    /** Notes that a site of {@code partition} uses {@code key}; written to the store within {@link #HINT_FLUSH}. */
    void hint(int partition, String key) {
        java.util.Set<String> keys = hints.computeIfAbsent(partition, p -> recentSet());
        long written = hintsWritten.getOrDefault(partition, 0L);
        boolean refresh = System.nanoTime() - written > hintLifespan().toNanos() / 2;
        if (keys.add(key) || refresh) {
            hintsDirty.add(partition);
            if (flushQueued.compareAndSet(false, true)) {
                CompletableFuture.runAsync(this::flushHints,
                        CompletableFuture.delayedExecutor(HINT_FLUSH.toMillis(), TimeUnit.MILLISECONDS, io));
            }
        }
    }

    /** Keys in use order, least recently noted first, at most {@link #HINTS_PER_PARTITION}. */
    private static java.util.Set<String> recentSet() {
        return java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(
                new java.util.LinkedHashMap<String, Boolean>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                        return size() > HINTS_PER_PARTITION;
                    }
                }));
    }

    /** Hints outlive the sessions they point to (ticket-lifetime) and are written again at half their lifespan. */
    private Duration hintLifespan() {
        return lifetime.multipliedBy(2);
    }

    /** Writes the changed hints of the partitions this instance owns (one entry per partition). */
    void flushHints() {
        flushQueued.set(false);
        for (Integer p : List.copyOf(hintsDirty)) {
            hintsDirty.remove(p);
            if (!shards.owns(p)) {
                continue; // given away: its new owner writes them now
            }
            java.util.Set<String> keys = hints.get(p);
            if (keys == null) {
                continue;
            }
            ArrayNode a = json.createArrayNode();
            synchronized (keys) {
                keys.forEach(a::add);
            }
            try {
                cache().put(hintKey(p), a.toString(), hintLifespan().toSeconds(), TimeUnit.SECONDS);
                hintsWritten.put(p, System.nanoTime());
            } catch (RuntimeException e) {
                failures.increment();
                hintsDirty.add(p); // the next note writes them again
                LOG.warnf("ticket store: hints of partition %d not written: %s", p, e.toString());
            }
        }
    }

    /**
     * This instance gained {@code partitions}: reads their hints and takes one stored session per
     * key right away (the reserve a new owner may use), most recently used keys first, at most
     * {@link #WARM_LIMIT}; a prepare of such a key waits for that take instead of asking Infinispan
     * while every site of the shard opens its connections at once. A session no handshake asked
     * for within {@link #WARM_HOLD} goes back. Never blocks the caller (Kafka's polling thread).
     */
    public void warm(java.util.Collection<Integer> partitions) {
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        warming = loaded;
        List<Integer> gained = List.copyOf(partitions);
        io.execute(() -> {
            int started = 0;
            try {
                RemoteCache<String, String> c = cache();
                List<String> keys = new ArrayList<>();
                Map<String, Integer> partitionOf = new java.util.HashMap<>();
                for (int p : gained) {
                    String v = c.get(hintKey(p));
                    if (v == null) {
                        continue;
                    }
                    java.util.Set<String> local = hints.computeIfAbsent(p, x -> recentSet());
                    for (JsonNode k : json.readTree(v)) {
                        if (k.isTextual()) {
                            keys.add(k.asText());
                            local.add(k.asText());
                            partitionOf.put(k.asText(), p);
                        }
                    }
                }
                for (int i = keys.size() - 1; i >= 0 && started < WARM_LIMIT; i--) {
                    String key = keys.get(i);
                    Warm[] made = new Warm[1];
                    // the take starts only for a key with none under way: a second take would strand its ticket here
                    warm.computeIfAbsent(key, k -> made[0] = new Warm(partitionOf.get(k),
                            CompletableFuture.supplyAsync(() -> takeSession(k), io)));
                    Warm w = made[0];
                    if (w != null) {
                        started++;
                        w.take().thenRunAsync(() -> unclaimed(key, w),
                                CompletableFuture.delayedExecutor(warmHold.toMillis(), TimeUnit.MILLISECONDS, io));
                    }
                }
                warmed.increment(started);
                LOG.infof("ticket store: partitions %s gained; taking the stored sessions of %d key(s) for their sites",
                        gained, started);
            } catch (Exception e) {
                failures.increment();
                LOG.warnf("ticket store: hints of partitions %s not read (%s); their first handshakes ask one by one",
                        gained, e.toString());
            } finally {
                loaded.complete(null);
            }
        });
    }

    /** A session taken at a gain that no handshake asked for goes back. */
    private void unclaimed(String key, Warm w) {
        if (warm.remove(key, w)) {
            Took t = w.take().getNow(null);
            if (t != null) {
                giveBack(new Ready(key, t));
            }
        }
    }

    /**
     * This instance gave {@code partitions} away: the sessions it took for them at a gain and no
     * handshake used go back now, before the new owner is assigned them (a shard that passes
     * through an instance during a rebalance must not keep its sites' only tickets). Waits at
     * most {@code timeout} for the takes and writes; called from the revocation callback.
     */
    public void cool(java.util.Collection<Integer> partitions, Duration timeout) {
        List<CompletableFuture<Void>> back = new ArrayList<>();
        for (Map.Entry<String, Warm> e : warm.entrySet()) {
            Warm w = e.getValue();
            if (partitions.contains(w.partition()) && warm.remove(e.getKey(), w)) {
                back.add(w.take().thenCompose(t -> t == null ? CompletableFuture.completedFuture(null)
                        : giveBack(new Ready(e.getKey(), t))));
            }
        }
        if (back.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(back.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("ticket store: partitions %s given away; %d session(s) taken for them went back", partitions, back.size());
        } catch (Exception e) {
            LOG.warnf("ticket store: partitions %s given away; not all of %d session(s) taken for them went back within %s (%s)",
                    partitions, back.size(), timeout, e.toString());
        }
    }

    /** The session for a prepare of {@code key}: the one taken at the last gain if any, else a take now. */
    private CompletableFuture<Took> source(String key) {
        return warming.thenCompose(v -> {
            Warm w = warm.remove(key);
            return w != null ? w.take() : CompletableFuture.supplyAsync(() -> takeSession(key), io);
        });
    }

    /**
     * One prepare: the take runs on the store's threads; {@link #ready()} completes when it is
     * queued or after {@code wait}. {@link #done()} before the take finished, or a take that
     * finished after {@code wait}, or a queued session no handshake took: given back.
     */
    private final class Preparation implements Prepared {
        private final String key;
        private final String readyKey;
        private final Promise<Void> done = Promise.promise();
        private final Context context = Vertx.currentContext();
        private Ready queued; // guarded by this
        private boolean over; // done() or wait passed; guarded by this

        Preparation(String key, String readyKey) {
            this.key = key;
            this.readyKey = readyKey;
            long asked = System.nanoTime();
            source(key).thenAccept(t -> {
                long ms = (System.nanoTime() - asked) / 1_000_000;
                if (ms > 200) {
                    LOG.debugf("ticket store: take of %s took %d ms (%s)", key, ms, t == null ? "none" : "a session");
                }
                if (t != null) {
                    offer(t);
                }
            }).copy() // the timeout ends the wait, not the take: a late session is offered, then given back
                    .orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
                if (e != null) {
                    late.increment();
                    LOG.debugf("ticket store: no stored session for %s in time (%s); full handshake", key, e.toString());
                    synchronized (this) {
                        over = queued == null; // a take that finishes now is given back
                    }
                }
                if (context != null) {
                    context.runOnContext(x -> done.tryComplete());
                } else {
                    done.tryComplete();
                }
            });
        }

        private void offer(Took t) {
            Ready r = new Ready(key, t);
            synchronized (this) {
                if (!over) {
                    queued = r;
                    ConcurrentLinkedQueue<Ready> q = ready.computeIfAbsent(readyKey, k -> new ConcurrentLinkedQueue<>());
                    q.add(r);
                    trim(q);
                    return;
                }
            }
            giveBack(r); // nobody waits for it any more
        }

        @Override
        public Future<Void> ready() {
            return done.future();
        }

        @Override
        public void done() {
            Ready r;
            synchronized (this) {
                over = true;
                r = queued;
                queued = null;
            }
            if (r != null) {
                ConcurrentLinkedQueue<Ready> q = ready.get(readyKey);
                if (q != null) {
                    q.remove(r);
                }
                giveBack(r);
            }
        }
    }

    /** Keeps at most perKey sessions queued per name and port, and none older than {@link #STALE}. */
    private void trim(ConcurrentLinkedQueue<Ready> q) {
        long now = System.nanoTime();
        Ready head;
        while ((head = q.peek()) != null && (q.size() > perKey || now - head.at > STALE.toNanos())) {
            if (q.remove(head)) {
                giveBack(head);
            }
        }
    }

    /** A prepared session nobody used goes back to its entry, with its own expiry (once); completes when written. */
    private CompletableFuture<Void> giveBack(Ready r) {
        if (!r.taken.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null); // a handshake has it
        }
        if (r.took.belowFloor()) {
            reserveBudget(r.key).incrementAndGet();
        }
        if (r.took.expiry() <= Instant.now().getEpochSecond()) {
            return CompletableFuture.completedFuture(null);
        }
        returned.increment();
        return CompletableFuture.runAsync(
                () -> store(r.key, List.of(sealed(r.key, r.took.plain(), r.took.protocol(), r.took.expiry())), false), io);
    }

    @Override
    public void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level) {
        collect(engine, key(address, port, sni, level));
    }

    /** Takes the sessions {@code engine} holds into the store under {@code key}. */
    private void collect(SSLEngine engine, String key) {
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
        io.execute(() -> put(key, taken));
    }

    /** The session cache of the NetClient of the system's address (client identity: the HELO name). */
    @Override
    public SSLClientSessionCache sessionCache() {
        return sessionCache(helo);
    }

    /**
     * The session caches of the NetClient of egress source {@code source} (HELO name {@code helo}):
     * its handshakes take only the sessions prepared for its connections, never another source's.
     */
    public ConscryptTls.Caches caches(String source, String helo) {
        return (View) forSource(source, helo);
    }

    private SSLClientSessionCache sessionCache(String client) {
        return new SSLClientSessionCache() {
            @Override
            public byte[] getSessionData(String host, int port) {
                ConcurrentLinkedQueue<Ready> q = ready.get(readyKey(client, host, port));
                if (q == null) {
                    return null;
                }
                trim(q);
                Ready r;
                while ((r = q.poll()) != null) {
                    if (r.taken.compareAndSet(false, true)) {
                        return r.took.plain();
                    }
                }
                return null;
            }

            @Override
            public void putSessionData(SSLSession session, byte[] data) {
                // collect() takes every new session, TLS 1.2 and 1.3 alike
            }
        };
    }

    /** May this instance take a ticket of {@code key} below the reserve (it gained the shard lately)? */
    private AtomicInteger reserveBudget(String key) {
        long g = shards.gains();
        if (g != gainsSeen) {
            reserveLeft.clear();
            gainsSeen = g;
        }
        return reserveLeft.computeIfAbsent(key, k -> new AtomicInteger(reserve));
    }

    /** One session of {@code key}, decrypted, removed from the store; null when none may be taken. */
    byte[] take(String key) {
        Took t = takeSession(key);
        return t == null ? null : t.plain();
    }

    /** One session of {@code key} with its protocol and expiry, removed from the store; null when none may be taken. */
    Took takeSession(String key) {
        AtomicInteger budget = reserveBudget(key);
        try {
            RemoteCache<String, String> c = cache();
            for (int attempt = 0; attempt < 20; attempt++) {
                MetadataValue<String> v = c.getWithMetadata(key);
                List<JsonNode> list = v == null ? List.of() : live(v.getValue());
                if (list.isEmpty()) {
                    // nothing to inherit: this owner's own full handshakes fill the key from now
                    // on, and the floor keeps what they add for the next owner
                    budget.set(0);
                    noneStored.increment();
                    return null;
                }
                boolean belowFloor = list.size() <= reserve;
                if (belowFloor && budget.get() <= 0) {
                    reserveOnly.increment();
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
                return new Took(plain, t.path("p").asText(), t.path("x").asLong(), belowFloor);
            }
            contended.increment();
            return null;
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ticket store: take of %s failed: %s", key, e.toString());
            return null;
        }
    }

    /** Adds the sessions to {@code key}'s entry (newest last, at most perKey kept). */
    void put(String key, List<ConscryptTls.Taken> sessions) {
        long expiry = Instant.now().plus(lifetime).getEpochSecond();
        List<ObjectNode> fresh = new ArrayList<>();
        for (ConscryptTls.Taken t : sessions) {
            fresh.add(sealed(key, t.bytes(), t.protocol(), expiry));
        }
        store(key, fresh, true);
    }

    private ObjectNode sealed(String key, byte[] plain, String protocol, long expiry) {
        ObjectNode o = json.createObjectNode();
        o.put("x", expiry);
        o.put("p", protocol);
        o.put("t", cipher.seal(plain, key));
        return o;
    }

    /**
     * Adds sessions to {@code key}'s entry, newest last ({@code newest}) or, for one given back,
     * before the others (the newest are taken first); at most perKey kept.
     */
    private void store(String key, List<ObjectNode> fresh, boolean newest) {
        int n = fresh.size();
        try {
            RemoteCache<String, String> c = cache();
            for (int attempt = 0; attempt < 20; attempt++) {
                MetadataValue<String> v = c.getWithMetadata(key);
                List<JsonNode> list = v == null ? new ArrayList<>() : live(v.getValue());
                if (newest) {
                    list.addAll(fresh);
                } else {
                    list.addAll(0, fresh);
                }
                while (list.size() > perKey) {
                    list.remove(0);
                }
                boolean ok = v == null ? c.putIfAbsent(key, write(list), lifespan(list), TimeUnit.SECONDS) == null
                        : c.replaceWithVersion(key, write(list), v.getVersion(), lifespan(list));
                if (ok) {
                    if (newest) {
                        stored.increment(n);
                    }
                    return;
                }
            }
            failures.increment();
        } catch (RuntimeException e) {
            failures.increment();
            LOG.warnf("ticket store: %d session(s) of %s not stored: %s", n, key, e.toString());
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
