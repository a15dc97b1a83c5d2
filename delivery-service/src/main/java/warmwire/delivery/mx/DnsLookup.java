package warmwire.delivery.mx;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.dns.DnsException;
import io.vertx.core.dns.DnsResponseCode;
import io.vertx.core.dns.MxRecord;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * NAME
 *   DnsLookup - MX, A, AAAA and TXT queries with server failover and a short answer cache.
 * DESCRIPTION
 *   One Vert.x {@link DnsClient} (one UDP socket, many queries in flight) per configured server.
 *   A query goes to the first server; when it times out, or the server answers SERVFAIL,
 *   REFUSED or another error code, the next server is asked. NXDOMAIN is authoritative and
 *   ends the query. When every server failed the lookup fails with {@link DnsTemporaryFailure}
 *   carrying the last server's failure.
 *
 *   The answer cache is a Caffeine cache bounded by the configured size: names are chosen by
 *   remote parties (recipient domains, their MX hosts), so a flood of new names evicts the
 *   least useful entries (Caffeine's W-TinyLFU: an LRU window in front of a frequency-guarded
 *   main area, so a scan of one-off names cannot push out the busy domains) instead of
 *   emptying the cache. Records are kept for the configured cache TTL (the Vert.x client does
 *   not expose record TTLs, so it is one fixed time); negative answers - NODATA and NXDOMAIN -
 *   for the shorter negative TTL (capped by the cache TTL), so a domain that fixes its DNS is
 *   seen soon; temporary failures are not kept. A lookup already in flight is shared by
 *   everyone asking for the same name and type (the cache holds its future).
 *
 *   An answer is bounded by its transport: one UDP datagram (no TCP fallback), so a hostile
 *   server cannot send more records than fit in it; MxResolver bounds what it uses of them.
 */
public final class DnsLookup implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsLookup.class);

    /** The record types routing asks for. */
    public enum Type { MX, A, AAAA, TXT }

    private final List<DnsClient> clients = new ArrayList<>();
    private final List<String> serverNames = new ArrayList<>();
    private final AsyncCache<String, DnsAnswer<?>> cache;
    private final AtomicLong queries = new AtomicLong();

    /** As {@link #DnsLookup(Vertx, List, Duration, Duration, Duration, int)} with negative answers kept 10 s. */
    public DnsLookup(Vertx vertx, List<InetSocketAddress> servers, Duration timeout, Duration cacheTtl,
                     int maxEntries) {
        this(vertx, servers, timeout, cacheTtl, Duration.ofSeconds(10), maxEntries);
    }

    /**
     * @param cacheTtl    how long records are kept; 0 (or negative) = no cache
     * @param negativeTtl how long NODATA/NXDOMAIN is kept, at most {@code cacheTtl}
     * @param maxEntries  most cached answers (names and types)
     */
    public DnsLookup(Vertx vertx, List<InetSocketAddress> servers, Duration timeout, Duration cacheTtl,
                     Duration negativeTtl, int maxEntries) {
        for (InetSocketAddress s : servers) {
            clients.add(vertx.createDnsClient(new DnsClientOptions()
                    .setHost(s.getAddress().getHostAddress())
                    .setPort(s.getPort())
                    .setQueryTimeout(Math.max(1, timeout.toMillis()))
                    .setRecursionDesired(true)));
            serverNames.add(s.getAddress().getHostAddress() + ":" + s.getPort());
        }
        long ttl = cacheTtl.isNegative() ? 0 : cacheTtl.toNanos();
        long negative = Math.min(ttl, Math.max(0, negativeTtl.toNanos()));
        this.cache = ttl == 0 ? null : Caffeine.newBuilder()
                .maximumSize(Math.max(1, maxEntries))
                // maintenance on the calling thread: no pool thread hops on the event loop's path
                .executor(Runnable::run)
                .expireAfter(new Expiry<String, DnsAnswer<?>>() {
                    @Override
                    public long expireAfterCreate(String key, DnsAnswer<?> answer, long now) {
                        return answer.records().isEmpty() ? negative : ttl;
                    }

                    @Override
                    public long expireAfterUpdate(String key, DnsAnswer<?> answer, long now, long current) {
                        return expireAfterCreate(key, answer, now);
                    }

                    @Override
                    public long expireAfterRead(String key, DnsAnswer<?> answer, long now, long current) {
                        return current;
                    }
                })
                .buildAsync();
    }

    /** How many answers the cache holds now (an estimate, as Caffeine counts). */
    public long cachedAnswers() {
        return cache == null ? 0 : cache.synchronous().estimatedSize();
    }

    /** The servers asked, in order, as {@code address:port}. */
    public List<String> servers() {
        return List.copyOf(serverNames);
    }

    /** How many queries were sent to any server (cache hits excluded). */
    public long queriesSent() {
        return queries.get();
    }

    /** MX records of {@code name}; a null MX target ("." of RFC 7505) has a null or empty name. */
    public Uni<DnsAnswer<MxRecord>> mx(String name) {
        return lookup(Type.MX, name);
    }

    /** IPv4 addresses of {@code name}, as text. */
    public Uni<DnsAnswer<String>> a(String name) {
        return lookup(Type.A, name);
    }

    /** IPv6 addresses of {@code name}, as text. */
    public Uni<DnsAnswer<String>> aaaa(String name) {
        return lookup(Type.AAAA, name);
    }

    /** TXT records of {@code name} (MTA-STS's {@code _mta-sts} record), as text. */
    public Uni<DnsAnswer<String>> txt(String name) {
        return lookup(Type.TXT, name);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T> Uni<DnsAnswer<T>> lookup(Type type, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return Uni.createFrom().completionStage(() -> (CompletableFuture) cached(type, n).copy());
    }

    /** The answer, from the cache or a new query; a failed query is not kept (Caffeine drops failed futures). */
    private CompletableFuture<DnsAnswer<?>> cached(Type type, String name) {
        if (cache == null) {
            return query(type, name, 0);
        }
        return cache.get(type + " " + name, (key, executor) -> query(type, name, 0));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private CompletableFuture<DnsAnswer<?>> query(Type type, String name, int server) {
        queries.incrementAndGet();
        DnsClient client = clients.get(server);
        Future<List<Object>> f = (Future) switch (type) {
            case MX -> client.resolveMX(name);
            case A -> client.resolveA(name);
            case AAAA -> client.resolveAAAA(name);
            case TXT -> client.resolveTXT(name);
        };
        return f.toCompletionStage().toCompletableFuture().handle((records, failure) -> {
            if (failure == null) {
                return CompletableFuture.<DnsAnswer<?>>completedFuture(DnsAnswer.of(records));
            }
            if (failure instanceof DnsException de && de.code() == DnsResponseCode.NXDOMAIN) {
                return CompletableFuture.<DnsAnswer<?>>completedFuture(DnsAnswer.noSuchName());
            }
            String why = describe(failure);
            if (server + 1 < clients.size()) {
                LOG.debugf("DNS %s %s: %s from %s, asking %s", type, name, why, serverNames.get(server),
                        serverNames.get(server + 1));
                return query(type, name, server + 1);
            }
            LOG.debugf("DNS %s %s: %s from %s, no server left", type, name, why, serverNames.get(server));
            return CompletableFuture.<DnsAnswer<?>>failedFuture(new DnsTemporaryFailure(type.name(), name, why));
        }).thenCompose(x -> x);
    }

    private static String describe(Throwable t) {
        if (t instanceof DnsException de) {
            return de.code().name();
        }
        String m = String.valueOf(t.getMessage());
        return m.contains("timeout") ? "timeout" : t.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public void close() {
        clients.forEach(DnsClient::close);
    }
}
